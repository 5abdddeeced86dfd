import { SWEEP_CSS, SWEEP_SECTION } from './backtest.js';
import { MAINTENANCE_SECTION } from './maintenance.js';

/**
 * The status page shell: one section per concern (summary tiles, firing alerts, notifications,
 * SLOs, incident cost), each filled by its own render function in app-js.ts. It carries no data: the script fetches /status/data and
 * /status/series (with the key the viewer typed, kept in sessionStorage, when the data is not
 * public) and renders them with textContent only, so nothing from the warehouse is ever
 * parsed as HTML. The charts are drawn by uPlot, served by this API (/status/vendor/).
 */
export const STATUS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SLO status · slo-pipeline</title>
<link rel="stylesheet" href="/status/vendor/uPlot.min.css">
<link rel="stylesheet" href="/status/style.css">
<script src="/status/vendor/uPlot.iife.min.js" defer></script>
<script src="/status/app.js" defer></script>
</head>
<body>
<header>
  <h1>SLO status</h1>
  <div class="meta">
    <span id="overall" class="pill" data-testid="overall">loading…</span>
    <span>evaluated at <time id="evaluated-at" data-testid="evaluated-at">–</time></span>
    <span id="data-age" data-testid="data-age">data age –</span>
    <span>updated <time id="updated-at" data-testid="updated-at">–</time></span>
    <span id="refresh" data-testid="refresh"></span>
  </div>
  <p id="pipeline-notes" class="notes" data-testid="pipeline-notes" hidden></p>
</header>
<main>
  <form id="login" hidden>
    <p>This status page needs an API key (any role).</p>
    <label>API key <input id="key" type="password" autocomplete="off" required></label>
    <button type="submit">Show status</button>
    <p id="login-error" class="error" role="alert"></p>
  </form>
  <p id="error" class="error" role="alert" hidden></p>
  <section id="tiles" class="tiles" aria-label="Summary"></section>
  <div class="alerting">
    <section aria-labelledby="firing-heading" data-testid="firing-section">
      <h2 id="firing-heading">Firing alerts</h2>
      <p class="hint">Every burn-rate rule firing at the evaluation time, one row per rule (as <code>slo status</code> lists them): both of its windows burn at or above its threshold.</p>
      <p id="firing-none" class="empty" data-testid="firing-none" hidden>No rule is firing.</p>
      <div id="firing-wrap" class="scroll">
        <table id="firing" data-testid="firing-list">
          <thead><tr><th>SLO</th><th>Severity</th><th>Windows</th><th class="num">Burn long</th><th class="num">Burn short</th><th class="num opt">Threshold</th></tr></thead>
          <tbody></tbody>
        </table>
      </div>
    </section>
    <section aria-labelledby="outbox-heading" data-testid="outbox-section">
      <h2 id="outbox-heading">Notifications</h2>
      <p id="outbox-summary" class="hint" data-testid="outbox-summary"></p>
      <div id="outbox-wrap" class="scroll">
        <table id="outbox" data-testid="outbox">
          <thead><tr><th>Receiver</th><th class="num">Waiting</th><th class="opt">Oldest waiting</th><th class="num">Failed</th><th class="num">Delivered</th></tr></thead>
          <tbody></tbody>
        </table>
      </div>
    </section>
  </div>
  ${MAINTENANCE_SECTION}
  <section aria-labelledby="slo-heading">
    <h2 id="slo-heading">Service level objectives</h2>
    <p class="hint">Worst first: paging, ticket open, below target, then the least error budget left. Curves: the SLO engine's evaluation over each SLO's window (SLI and remaining error budget, burn rate per alert window), times in UTC.</p>
    <p id="groups" class="groups" data-testid="groups" hidden></p>
    <div id="slos" class="slo-grid" data-testid="slo-list"></div>
  </section>
  ${SWEEP_SECTION}
  <section aria-labelledby="fin-heading">
    <h2 id="fin-heading">Incident cost</h2>
    <figure class="card chart-card" data-testid="cost-figure">
      <figcaption id="cost-caption">Incident cost per day</figcaption>
      <div class="chart" id="cost-chart"></div>
    </figure>
    <div class="finance">
      <div class="scroll">
        <table id="months" data-testid="finance-months">
          <thead><tr><th>Month</th><th class="opt">Compensation</th><th class="opt">Refunds</th><th class="opt">Lost revenue</th><th>Total</th><th>Incidents</th></tr></thead>
          <tbody></tbody>
        </table>
      </div>
      <div class="scroll">
        <table id="top" data-testid="finance-top">
          <thead><tr><th>Most expensive incidents</th><th>Severity</th><th class="opt">Fault</th><th>Total</th></tr></thead>
          <tbody></tbody>
        </table>
      </div>
    </div>
  </section>
</main>
<footer><a href="/docs">API documentation</a></footer>
</body>
</html>
`;

export const STATUS_CSS = `
:root { --ok:#1a7f37; --warn:#bf8700; --bad:#cf222e; --muted:#57606a; --bg:#f6f8fa; --line:#d0d7de; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color:#1f2328; background:#fff; }
.meta, .notes, .slo-id, .service, .tile .sub, figcaption { overflow-wrap:anywhere; }
header { padding:16px 24px; border-bottom:1px solid var(--line); background:var(--bg); }
h1 { margin:0 0 6px; font-size:22px; } h2 { font-size:17px; margin:24px 0 8px; }
.meta { display:flex; gap:6px 18px; flex-wrap:wrap; color:var(--muted); align-items:center; }
.notes { margin:6px 0 0; color:var(--warn); font-weight:600; }
main { padding:8px 24px 24px; }
.hint { color:var(--muted); margin:0 0 10px; font-size:13px; }
.groups { display:flex; flex-wrap:wrap; gap:4px 6px; align-items:center; color:var(--muted); margin:0 0 10px; }
.tiles { display:grid; grid-template-columns:repeat(auto-fit,minmax(135px,1fr)); gap:12px; margin-top:16px; }
.tile { border:1px solid var(--line); border-radius:8px; padding:10px 14px; min-width:0; }
.tile .label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.tile .value { font-size:22px; font-weight:600; }
.tile .value.warn { color:var(--warn); } .tile .value.bad { color:var(--bad); }
.tile .sub { color:var(--muted); font-size:12px; }
.card { border:1px solid var(--line); border-radius:8px; padding:12px 14px; margin:0; min-width:0; }
.slo-grid { display:grid; grid-template-columns:repeat(auto-fill, minmax(min(100%, 560px), 1fr)); gap:16px; }
.slo > header { padding:0; border:0; background:none; display:flex; justify-content:space-between; gap:8px; align-items:flex-start; }
.slo-id { font-weight:600; font-size:15px; } .service { color:var(--muted); font-size:12px; }
.figures { display:grid; grid-template-columns:repeat(auto-fit, minmax(150px, 1fr)); gap:8px 16px; margin:10px 0; }
.figures > div { min-width:0; } .figures .wide { grid-column:1 / -1; }
.figures dt { color:var(--muted); font-size:11px; text-transform:uppercase; letter-spacing:.04em; }
.figures dd { margin:2px 0 0; font-variant-numeric:tabular-nums; }
.bar { width:100%; max-width:180px; height:10px; background:#eaeef2; border-radius:5px; overflow:hidden; display:block; margin:3px 0; }
.bar > span { display:block; height:100%; }
.bar.ok > span { background:var(--ok); } .bar.warn > span { background:var(--warn); } .bar.bad > span { background:var(--bad); }
.budget-text { font-variant-numeric:tabular-nums; }
.bar.over { background:#ffcecb; } .budget-text.over { color:var(--bad); font-weight:600; }
.badge, .pill { display:inline-block; border-radius:10px; padding:1px 7px; margin:1px 2px; font-size:12px; font-weight:600; color:#fff; white-space:nowrap; }
.badge.ok, .pill.ok { background:var(--ok); } .badge.warn, .pill.warn { background:var(--warn); } .badge.bad, .pill.bad { background:var(--bad); }
.badge.none, .pill.none { background:#eaeef2; color:var(--muted); }
figure { margin:8px 0 0; min-width:0; }
figcaption { font-size:12px; color:var(--muted); margin-bottom:2px; }
.chart { width:100%; min-height:40px; overflow:hidden; }
.chart .uplot { width:100%; }
.chart .u-legend { font-size:11px; text-align:left; }
.chart .u-legend .u-series { padding:0 6px 0 0; }
.chart .u-legend th { font-weight:500; font-size:11px; text-transform:none; letter-spacing:0; color:#1f2328; }
.chart .u-legend td, .chart .u-legend th { border:0; padding:0 2px; }
.chart-card { margin-bottom:16px; }
.empty { color:var(--muted); font-style:italic; padding:12px 0; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:middle; }
th { font-size:12px; color:var(--muted); text-transform:uppercase; letter-spacing:.04em; }
td.num { font-variant-numeric:tabular-nums; text-align:right; white-space:nowrap; }
.scroll { overflow-x:auto; min-width:0; }
.finance, .alerting { display:grid; grid-template-columns:3fr 2fr; gap:24px; align-items:start; }
.alerting > section { min-width:0; }
td.name { overflow-wrap:anywhere; }
th.num { text-align:right; }
td.num.bad { color:var(--bad); font-weight:600; }
code { font-size:12px; }
.error { color:var(--bad); font-weight:600; }
footer { padding:12px 24px; color:var(--muted); border-top:1px solid var(--line); }
${SWEEP_CSS}
@media (max-width: 900px) { .finance, .alerting { grid-template-columns:1fr; } }
@media (max-width: 600px) {
  header, main, footer { padding-left:12px; padding-right:12px; }
  .tiles { grid-template-columns:repeat(2, minmax(0, 1fr)); gap:8px; }
  .tile .value { font-size:18px; }
  .card { padding:10px; }
  th, td { padding:5px 4px; }
  /* On a phone the tables keep what they are read for: the period or incident, and its total. */
  th.opt, td.opt { display:none; }
}
`;
