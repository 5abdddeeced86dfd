/**
 * The status page shell. It carries no data: the script fetches /status/data (with the
 * key the viewer typed, kept in sessionStorage, when the data is not public) and renders
 * it with textContent only, so nothing from the warehouse is ever parsed as HTML.
 */
export const STATUS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SLO status · slo-pipeline</title>
<link rel="stylesheet" href="/status/style.css">
<script src="/status/app.js" defer></script>
</head>
<body>
<header>
  <h1>SLO status</h1>
  <div class="meta">
    <span id="overall" class="pill" data-testid="overall">loading…</span>
    <span>evaluated at <time id="evaluated-at" data-testid="evaluated-at">–</time></span>
    <span>updated <time id="updated-at" data-testid="updated-at">–</time></span>
    <span id="refresh" data-testid="refresh"></span>
  </div>
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
  <section aria-labelledby="slo-heading">
    <h2 id="slo-heading">Service level objectives</h2>
    <table id="slos" data-testid="slo-table">
      <thead><tr><th>SLO</th><th>SLI / target</th><th>Error budget</th><th>Burn rates</th><th>Alerts</th><th>Exhaustion</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section aria-labelledby="fin-heading">
    <h2 id="fin-heading">Incident cost</h2>
    <div class="finance">
      <table id="months" data-testid="finance-months">
        <thead><tr><th>Month</th><th>Compensation</th><th>Refunds</th><th>Lost revenue</th><th>Total</th><th>Incidents</th></tr></thead>
        <tbody></tbody>
      </table>
      <table id="top" data-testid="finance-top">
        <thead><tr><th>Most expensive incidents</th><th>Severity</th><th>Fault</th><th>Total</th></tr></thead>
        <tbody></tbody>
      </table>
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
body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color:#1f2328; background:#fff; }
header { padding:16px 24px; border-bottom:1px solid var(--line); background:var(--bg); }
h1 { margin:0 0 6px; font-size:22px; } h2 { font-size:17px; margin:24px 0 8px; }
.meta { display:flex; gap:18px; flex-wrap:wrap; color:var(--muted); align-items:center; }
main { padding:8px 24px 24px; }
.tiles { display:grid; grid-template-columns:repeat(auto-fit,minmax(170px,1fr)); gap:12px; margin-top:16px; }
.tile { border:1px solid var(--line); border-radius:8px; padding:10px 14px; }
.tile .label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.tile .value { font-size:24px; font-weight:600; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:middle; }
th { font-size:12px; color:var(--muted); text-transform:uppercase; letter-spacing:.04em; }
td.num { font-variant-numeric:tabular-nums; text-align:right; }
#slos td:first-child { min-width:210px; }
.slo-id { font-weight:600; } .service { color:var(--muted); font-size:12px; }
.bar { width:160px; height:12px; background:#eaeef2; border-radius:6px; overflow:hidden; display:inline-block; vertical-align:middle; }
.bar > span { display:block; height:100%; }
.bar.ok > span { background:var(--ok); } .bar.warn > span { background:var(--warn); } .bar.bad > span { background:var(--bad); }
.budget-text { margin-left:8px; font-variant-numeric:tabular-nums; }
.bar.over { background:#ffcecb; } .budget-text.over { color:var(--bad); font-weight:600; }
td[data-field=budget], td[data-field=burn], td[data-field=sli] { white-space:nowrap; }
.badge, .pill { display:inline-block; border-radius:10px; padding:1px 7px; margin:1px 2px; font-size:12px; font-weight:600; color:#fff; }
.badge.ok, .pill.ok { background:var(--ok); } .badge.warn, .pill.warn { background:var(--warn); } .badge.bad, .pill.bad { background:var(--bad); }
.badge.none { background:#eaeef2; color:var(--muted); }
.finance { display:grid; grid-template-columns:3fr 2fr; gap:24px; align-items:start; }
.error { color:var(--bad); font-weight:600; }
footer { padding:12px 24px; color:var(--muted); border-top:1px solid var(--line); }
@media (max-width: 900px) { .finance { grid-template-columns:1fr; } }
`;
