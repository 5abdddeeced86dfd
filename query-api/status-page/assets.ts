import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { PipelineError } from '../../processors/errors/index.js';

/**
 * The chart library of the status page, uPlot (MIT, ~50 KB minified, no dependencies), served
 * from the installed package: the page needs no network beyond this server.
 *
 * Why uPlot: it draws time series on canvas, small and fast, and is maintained (1.6.x);
 * Chart.js (~200 KB, a dependency) and ECharts (~1 MB) draw more kinds of chart than the
 * page needs, and Chartist and frappe-charts draw SVG, which is slow with thousands of points.
 */
export const CHART_ASSETS: ReadonlyArray<{ url: string; file: string; type: string }> = [
  { url: '/status/vendor/uPlot.iife.min.js', file: 'uplot/dist/uPlot.iife.min.js', type: 'text/javascript; charset=utf-8' },
  { url: '/status/vendor/uPlot.min.css', file: 'uplot/dist/uPlot.min.css', type: 'text/css; charset=utf-8' },
];

const require = createRequire(import.meta.url);

function readAsset(file: string): Buffer {
  try {
    return readFileSync(require.resolve(file));
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new PipelineError('FILE_UNREADABLE', `status page asset ${file} cannot be read (is the uplot package installed?): ${why}`, { file });
  }
}

/** Registers the chart library's files; read once, at start, from node_modules. */
export function registerChartAssets(app: FastifyInstance): void {
  for (const asset of CHART_ASSETS) {
    const body = readAsset(asset.file);
    app.get(asset.url, { schema: { hide: true } }, async (_request, reply) =>
      reply
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'public, max-age=86400')
        .type(asset.type)
        .send(body),
    );
  }
}
