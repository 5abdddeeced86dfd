/**
 * The status page's backtest sweep section: one SLO replayed over the last days with other
 * targets and latency thresholds (`GET /v1/slos/:id/sweep`, a product or admin key): a table of
 * what each variant would have paged and when, a chart of those pages over time, and for
 * latency SLIs the distribution of duration_ms with each threshold marked. It runs on request
 * only (the sweep is rate limited). Kept apart from the rest of the page: page.ts places the
 * section, app-js.ts calls `initSweep()` once. Text only (textContent), like every section;
 * its charts are in `window.sweepCharts` (`pages`, `distribution`), out of the page's refresh.
 */
export const SWEEP_SECTION = `<section aria-labelledby="sweep-heading" data-testid="sweep-section">
    <h2 id="sweep-heading">Backtest sweep</h2>
    <p class="hint">What other targets and latency thresholds would have paged on recorded data, up to the evaluation time: the SLO engine's replay, nothing is sent. Needs a key of the product or admin role.</p>
    <form id="sweep-form" class="sweep-form">
      <label>SLO <input id="sweep-slo" list="sweep-slos" required autocomplete="off"></label>
      <datalist id="sweep-slos"></datalist>
      <label>Days <input id="sweep-days" type="number" min="1" max="92" value="7" required></label>
      <label>Targets <input id="sweep-targets" placeholder="0.99,0.995,0.999" autocomplete="off"></label>
      <label>Thresholds ms <input id="sweep-thresholds" placeholder="2500,3000" autocomplete="off"></label>
      <button type="submit">Run</button>
    </form>
    <p id="sweep-status" class="hint" data-testid="sweep-status" role="status"></p>
    <ul id="sweep-warnings" class="notes" data-testid="sweep-warnings" hidden></ul>
    <div class="scroll">
      <table id="sweep-table" data-testid="sweep-table" hidden>
        <thead><tr><th>Target</th><th>Threshold</th><th class="num">Pages</th><th class="num">Tickets</th><th class="num opt">Paged min</th><th>Pages at (UTC)</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
    <figure class="card chart-card" id="sweep-pages-figure" data-testid="sweep-pages-figure" hidden>
      <figcaption>Pages per variant over the replayed span (UTC)</figcaption>
      <div class="chart" id="sweep-pages-chart"></div>
    </figure>
    <figure class="card chart-card" id="sweep-dist-figure" data-testid="sweep-dist-figure" hidden>
      <figcaption id="sweep-dist-caption">duration_ms of the SLI's events, thresholds marked</figcaption>
      <div class="chart" id="sweep-dist-chart"></div>
    </figure>
  </section>`;

/** `initSweep()`: wires the form; uses the page script's `$`, `el`, `KEY`, `COLORS`, `xAxis`, `utc` and `chartWidth`. */
export const SWEEP_JS = String.raw`
  var sweepCharts = window.sweepCharts = {};
  function sweepPct(x) { return +(x * 100).toFixed(4) + '%'; }
  function sweepHeaders() {
    var h = { accept: 'application/json' };
    var key = sessionStorage.getItem(KEY);
    if (key) h.authorization = 'Bearer ' + key;
    return h;
  }
  function sweepChart(name, slot, opts, data) {
    if (sweepCharts[name]) sweepCharts[name].destroy();
    opts.width = chartWidth(slot);
    opts.height = 200;
    opts.tzDate = utc;
    slot.textContent = '';
    sweepCharts[name] = new uPlot(opts, data, slot);
    return sweepCharts[name];
  }
  function variantLabel(v) { return sweepPct(v.target) + (v.threshold_ms === null ? '' : ' / ' + v.threshold_ms + ' ms') + (v.as_defined ? ' *' : ''); }

  /** Each variant on its own row, a point at every page: where the variants differ is where they would have woken someone. */
  function sweepPagesChart(r, fromS, toS) {
    var times = {};
    r.variants.forEach(function (v) { v.page_times.forEach(function (t) { times[Date.parse(t) / 1000] = true; }); });
    var xs = [fromS].concat(Object.keys(times).map(Number).sort(function (a, b) { return a - b; }), [toS]);
    var data = [xs];
    var series = [{ label: 'time (UTC)' }];
    r.variants.forEach(function (v, i) {
      var at = {};
      v.page_times.forEach(function (t) { at[Date.parse(t) / 1000] = true; });
      data.push(xs.map(function (x) { return at[x] ? i + 1 : null; }));
      series.push({ label: variantLabel(v), stroke: COLORS[i % COLORS.length], fill: COLORS[i % COLORS.length], paths: function () { return null; },
        points: { show: true, size: 10, fill: COLORS[i % COLORS.length] }, value: function (u, y) { return y === null || y === undefined ? '–' : 'page'; } });
    });
    $('sweep-pages-figure').hidden = false;
    return sweepChart('pages', $('sweep-pages-chart'), {
      series: series,
      scales: { x: { time: true, range: function () { return [fromS, toS]; } }, y: { range: function () { return [0, r.variants.length + 1]; } } },
      axes: [xAxis, { size: 130, splits: function () { return r.variants.map(function (v, i) { return i + 1; }); },
        values: function (u, vals) { return vals.map(function (y) { var v = r.variants[y - 1]; return v ? variantLabel(v) : ''; }); } }],
      cursor: { drag: { x: false, y: false } },
    }, data);
  }

  /** Events per bucket of the stored latency bounds as bars, each threshold a dashed red line at its bucket. */
  function sweepDistChart(d) {
    var xs = d.buckets.map(function (b, i) { return i; });
    var marks = d.thresholds.map(function (t) {
      var i = 0;
      while (i < d.buckets.length - 1 && d.buckets[i].le_ms < t.threshold_ms) i++;
      return { threshold_ms: t.threshold_ms, share_at_most: t.share_at_most, bucket: i };
    });
    $('sweep-dist-figure').hidden = false;
    $('sweep-dist-caption').textContent = 'duration_ms of ' + d.events + ' events, thresholds marked: ' +
      marks.map(function (m) { return m.threshold_ms + ' ms (' + sweepPct(m.share_at_most) + ' at most)'; }).join(', ');
    var u = sweepChart('distribution', $('sweep-dist-chart'), {
      series: [{ label: 'at most (ms)', value: function (u, i) { return i === null || !d.buckets[i] ? '–' : '≤ ' + d.buckets[i].le_ms; } },
        { label: 'events', stroke: '#0969da', fill: 'rgba(9,105,218,0.35)', paths: uPlot.paths.bars({ size: [0.8] }), points: { show: false } }],
      scales: { x: { time: false, range: function () { return [-0.5, Math.max(0.5, xs.length - 0.5)]; } }, y: { range: function (u, min, max) { return [0, Math.max(1, max) * 1.1]; } } },
      axes: [{ size: 30, splits: function () { return xs; }, values: function (u, vals) { return vals.map(function (i) { return d.buckets[i] ? '≤' + d.buckets[i].le_ms : ''; }); } }, { size: 56 }],
      hooks: { draw: [function (u) {
        var ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = '#cf222e';
        ctx.lineWidth = 2;
        ctx.setLineDash([6, 4]);
        marks.forEach(function (m) {
          var x = u.valToPos(m.bucket, 'x', true);
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
        });
        ctx.restore();
      }] },
    }, [xs, d.buckets.map(function (b) { return b.count; })]);
    u.thresholds = marks;
    return u;
  }

  function renderSweep(r, fromS, toS) {
    var warnings = $('sweep-warnings');
    warnings.textContent = '';
    r.warnings.forEach(function (w) { warnings.appendChild(el('li', { 'data-code': w.code }, w.message)); });
    warnings.hidden = r.warnings.length === 0;
    var body = $('sweep-table').tBodies[0];
    body.textContent = '';
    r.variants.forEach(function (v) {
      var tr = el('tr', { 'data-target': v.target, 'data-threshold': v.threshold_ms === null ? '' : v.threshold_ms });
      tr.appendChild(el('td', null, sweepPct(v.target) + (v.as_defined ? ' (as defined)' : '')));
      tr.appendChild(el('td', null, v.threshold_ms === null ? '–' : v.threshold_ms + ' ms'));
      tr.appendChild(el('td', { class: 'num' + (v.pages ? ' bad' : ''), 'data-field': 'pages' }, v.pages));
      tr.appendChild(el('td', { class: 'num', 'data-field': 'tickets' }, v.tickets));
      tr.appendChild(el('td', { class: 'num opt', 'data-field': 'page-minutes' }, v.page_minutes));
      tr.appendChild(el('td', { 'data-field': 'page-times' }, v.page_times.map(function (t) { return t.slice(5, 16).replace('T', ' '); }).join(', ') || '–'));
      body.appendChild(tr);
    });
    $('sweep-table').hidden = false;
    sweepPagesChart(r, fromS, toS);
    if (r.distribution && r.distribution.buckets.length) sweepDistChart(r.distribution);
    else {
      $('sweep-dist-figure').hidden = true;
      if (sweepCharts.distribution) { sweepCharts.distribution.destroy(); delete sweepCharts.distribution; }
    }
  }

  function runSweep() {
    var id = $('sweep-slo').value.trim();
    var days = Number($('sweep-days').value) || 7;
    var end = Date.parse($('evaluated-at').textContent);
    var toMs = isNaN(end) ? Date.now() : end;
    var fromMs = toMs - days * 86400000;
    var q = 'from=' + new Date(fromMs).toISOString() + '&to=' + new Date(toMs).toISOString();
    var targets = $('sweep-targets').value.replace(/\s+/g, '');
    var thresholds = $('sweep-thresholds').value.replace(/\s+/g, '');
    if (targets) q += '&targets=' + encodeURIComponent(targets);
    if (thresholds) q += '&thresholds=' + encodeURIComponent(thresholds);
    var status = $('sweep-status');
    status.textContent = 'replaying ' + id + '…';
    document.body.removeAttribute('data-sweep');
    return fetch('/v1/slos/' + encodeURIComponent(id) + '/sweep?' + q, { headers: sweepHeaders(), cache: 'no-store' }).then(function (res) {
      return res.json().then(function (body) { return { res: res, body: body }; });
    }).then(function (a) {
      if (!a.res.ok) {
        status.textContent = a.res.status === 401 || a.res.status === 403 ? 'A sweep needs a key of the product or admin role.' : (a.body.error ? a.body.error.message : 'HTTP ' + a.res.status);
        document.body.setAttribute('data-sweep', 'error');
        return;
      }
      status.textContent = id + ': ' + a.body.variants.length + ' variant' + (a.body.variants.length === 1 ? '' : 's') + ' over ' + days + ' day' + (days === 1 ? '' : 's') + ' up to ' + new Date(toMs).toISOString();
      renderSweep(a.body, fromMs / 1000, toMs / 1000);
      document.body.setAttribute('data-sweep', 'done');
    }).catch(function (e) {
      status.textContent = String(e.message || e);
      document.body.setAttribute('data-sweep', 'error');
    });
  }

  function initSweep() {
    var filled = false;
    $('sweep-slo').addEventListener('focus', function () {
      if (filled) return;
      filled = true;
      fetch('/v1/slos?limit=1000', { headers: sweepHeaders(), cache: 'no-store' }).then(function (r) { return r.ok ? r.json() : { items: [] }; }).then(function (p) {
        var list = $('sweep-slos');
        p.items.forEach(function (s) { list.appendChild(el('option', { value: s.slo_id })); });
      }).catch(function () { filled = false; });
    });
    $('sweep-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      runSweep();
    });
  }
`;

export const SWEEP_CSS = `
.sweep-form { display:flex; flex-wrap:wrap; gap:8px 14px; align-items:flex-end; margin:0 0 8px; }
.sweep-form label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); gap:2px; }
.sweep-form input { font:inherit; padding:4px 6px; border:1px solid var(--line); border-radius:6px; min-width:0; }
.sweep-form #sweep-days { width:5em; }
#sweep-warnings { margin:4px 0 8px; padding-left:18px; }
`;
