import { SWEEP_JS } from './backtest.js';
import { MAINTENANCE_JS } from './maintenance.js';

/**
 * The status page script (plain browser JavaScript, served as /status/app.js). Raw values
 * go into data-* attributes, and every chart's uPlot instance is kept in
 * `window.statusCharts` (keyed `sli:<slo>`, `burn:<slo>`, `cost`), so tests read exactly
 * what was rendered and drawn.
 */
export const STATUS_JS = String.raw`
'use strict';
(function () {
  var KEY = 'slo-status-key';
  var COLORS = ['#0969da', '#bf3989', '#1a7f37', '#bc4c00', '#8250df', '#57606a', '#cf222e', '#116329'];
  var timer = null;
  var charts = {};
  window.statusCharts = charts;
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function pct(x, digits) { return (x * 100).toFixed(digits) + '%'; }
  function windowSeconds(w) {
    var m = /^(\d+)([smhdw])$/.exec(w); if (!m) return 0;
    return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2]];
  }
  /** A duration in words, its two largest units: "29 days 4 hours", "5 hours 12 minutes", "under a minute". */
  function words(s) {
    if (s < 60) return 'under a minute';
    var parts = [[Math.floor(s / 86400), 'day'], [Math.floor((s % 86400) / 3600), 'hour'], [Math.floor((s % 3600) / 60), 'minute']];
    while (parts[0][0] === 0) parts.shift();
    return parts.slice(0, 2).filter(function (p) { return p[0] > 0; })
      .map(function (p) { return p[0] + ' ' + p[1] + (p[0] === 1 ? '' : 's'); }).join(' ');
  }
  /** Time to exhaustion as text: spent when no budget is left, not burning when nothing burns it, else how long at the current burn. */
  function exhaustion(s) {
    if (s.error_budget_remaining === null) return 'no data';
    if (s.error_budget_remaining <= 0 || s.time_to_exhaustion_seconds === 0) return 'spent';
    if (s.time_to_exhaustion_seconds === null) return 'not burning';
    return 'in ' + words(s.time_to_exhaustion_seconds);
  }
  function age(s) {
    if (s === null || s === undefined) return '–';
    if (s < 90) return s + 's';
    if (s < 5400) return Math.round(s / 60) + 'm';
    if (s < 172800) return Math.round(s / 3600) + 'h';
    return Math.round(s / 86400) + 'd';
  }
  function burnClass(r) { return r >= 6 ? 'bad' : r >= 1 ? 'warn' : 'ok'; }
  function budgetClass(b) { return b === null ? 'none' : b > 0.5 ? 'ok' : b > 0.2 ? 'warn' : 'bad'; }
  function money(v, ccy) { return Number(v).toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + ' ' + ccy; }
  function seconds(iso) { return Date.parse(iso) / 1000; }

  function tile(label, value, cls, testid, sub) {
    var t = el('div', { class: 'tile', 'data-testid': testid });
    t.appendChild(el('div', { class: 'label' }, label));
    t.appendChild(el('div', { class: 'value' + (cls ? ' ' + cls : '') }, value));
    if (sub) t.appendChild(el('div', { class: 'sub' }, sub));
    return t;
  }
  function figure(dt, dd, wide) {
    var d = el('div', wide ? { class: 'wide' } : null);
    d.appendChild(el('dt', null, dt));
    d.appendChild(dd);
    return d;
  }

  // ---- charts -------------------------------------------------------------------------

  function utc(ts) { return uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'); }
  function chartHeight() { return window.innerWidth < 600 ? 150 : 180; }
  function chartWidth(slot) { return Math.max(200, Math.floor(slot.clientWidth)); }

  /**
   * One chart per key: kept across refreshes (moved into the new card and given the new
   * data) while its series stay the same, else drawn anew.
   */
  function draw(key, slot, opts, data) {
    var signature = opts.series.map(function (s) { return s.label || ''; }).join('|');
    var u = charts[key];
    if (u && u.signature === signature) {
      slot.appendChild(u.root);
      u.setData(data);
      u.setSize({ width: chartWidth(slot), height: chartHeight() });
      return u;
    }
    if (u) u.destroy();
    opts.width = chartWidth(slot);
    opts.height = chartHeight();
    opts.tzDate = utc;
    u = new uPlot(opts, data, slot);
    u.signature = signature;
    charts[key] = u;
    return u;
  }
  function forget(keep) {
    Object.keys(charts).forEach(function (k) {
      if (!keep[k]) { charts[k].destroy(); delete charts[k]; }
    });
  }
  /** Time ticks in UTC: the day at midnight (or on spans of days), else the hour and minute. */
  function timeTicks(u, splits) {
    var days = (u.scales.x.max - u.scales.x.min) > 4 * 86400;
    return splits.map(function (v) {
      if (v === null) return '';
      var d = new Date(v * 1000).toISOString();
      return days || d.slice(11, 16) === '00:00' ? d.slice(5, 10) : d.slice(11, 16);
    });
  }
  var xAxis = { size: 30, values: timeTicks };
  var BURN_TICKS = [0, 1, 2, 6, 14, 36, 100, 300, 1000];
  var pctAxis = function (digits) {
    return function (u, vals) { return vals.map(function (v) { return v === null ? '' : (v * 100).toFixed(digits) + '%'; }); };
  };
  var pctValue = function (digits) {
    return function (u, v) { return v === null || v === undefined ? '–' : (v * 100).toFixed(digits) + '%'; };
  };

  function sliChart(slot, s, series) {
    var xs = series.points.map(function (p) { return seconds(p.at); });
    var data = [
      xs,
      series.points.map(function (p) { return p.sli; }),
      xs.map(function () { return s.target; }),
      series.points.map(function (p) { return p.error_budget_remaining; }),
    ];
    return draw('sli:' + s.slo_id, slot, {
      scales: { x: { time: true }, sli: { auto: true }, budget: { auto: true } },
      axes: [
        xAxis,
        { scale: 'sli', values: pctAxis(2), size: 66 },
        { scale: 'budget', side: 1, values: pctAxis(0), size: 56, grid: { show: false } },
      ],
      series: [
        { label: 'time (UTC)' },
        { label: 'SLI', scale: 'sli', stroke: COLORS[0], width: 2, value: pctValue(3) },
        { label: 'target', scale: 'sli', stroke: '#57606a', dash: [6, 4], width: 1, value: pctValue(2) },
        { label: 'budget left', scale: 'budget', stroke: COLORS[3], fill: 'rgba(188,76,0,0.08)', width: 1.5, value: pctValue(1) },
      ],
    }, data);
  }

  function burnChart(slot, s, series) {
    var windows = {};
    series.points.forEach(function (p) { Object.keys(p.burn_rates).forEach(function (w) { windows[w] = true; }); });
    var keys = Object.keys(windows).sort(function (x, y) { return windowSeconds(x) - windowSeconds(y); });
    var xs = series.points.map(function (p) { return seconds(p.at); });
    var data = [xs].concat(keys.map(function (w) {
      return series.points.map(function (p) { return w in p.burn_rates ? p.burn_rates[w] : null; });
    }));
    data.push(xs.map(function () { return 1; }));
    var lines = [{ label: 'time (UTC)' }].concat(keys.map(function (w, i) {
      return { label: w, stroke: COLORS[i % COLORS.length], width: 1.5, value: function (u, v) { return v === null || v === undefined ? '–' : v.toFixed(2) + 'x'; } };
    }));
    lines.push({ label: 'sustainable (1x)', stroke: '#57606a', dash: [4, 4], width: 1, value: function () { return '1x'; } });
    // Each alert threshold once: a rule fires when both of its windows reach it.
    var seen = {};
    (series.alert_rules || []).forEach(function (r) {
      var label = r.severity + ' at ' + r.threshold + 'x';
      if (seen[label]) return;
      seen[label] = true;
      data.push(xs.map(function () { return r.threshold; }));
      lines.push({ label: label, stroke: r.severity === 'PAGE' ? '#cf222e' : '#bf8700', dash: [2, 3], width: 1, value: function () { return r.long_window + '/' + r.short_window; } });
    });
    return draw('burn:' + s.slo_id, slot, {
      // arcsinh: linear around 1x, logarithmic for the spikes an incident makes.
      scales: { x: { time: true }, y: { distr: 4, asinh: 1, range: function (u, min, max) { return [0, Math.max(2, (max || 0) * 1.2)]; } } },
      axes: [xAxis, {
        size: 44,
        splits: function (u) { return BURN_TICKS.filter(function (v) { return v <= u.scales.y.max; }); },
        values: function (u, vals) { return vals.map(function (v) { return v === null ? '' : v + 'x'; }); },
      }],
      series: lines,
    }, data);
  }

  function costChart(cost) {
    var slot = $('cost-chart');
    $('cost-caption').textContent = 'Incident cost per day (' + cost.currency + ', UTC days ' + cost.from + ' to ' + cost.to + ')';
    var data = [
      cost.days.map(function (d) { return seconds(d.day + 'T00:00:00Z'); }),
      cost.days.map(function (d) { return Number(d.total_cost); }),
    ];
    return draw('cost', slot, {
      scales: {
        // Half a day either side, so the first and last bars are whole.
        x: { time: true, range: function (u, min, max) { return [min - 43200, max + 43200]; } },
        y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } },
      },
      axes: [{ size: 30, values: function (u, splits) { return splits.map(function (v) { return v === null ? '' : new Date(v * 1000).toISOString().slice(5, 10); }); } }, { size: 64 }],
      series: [
        { label: 'day (UTC)', value: function (u, v) { return v === null ? '–' : new Date(v * 1000).toISOString().slice(0, 10); } },
        {
          label: 'total cost', stroke: COLORS[6], fill: 'rgba(207,34,46,0.35)', width: 1,
          paths: uPlot.paths.bars({ size: [0.7, 48] }), points: { show: false },
          value: function (u, v) { return v === null || v === undefined ? '–' : money(v, cost.currency); },
        },
      ],
    }, data);
  }

  // ---- SLO cards ----------------------------------------------------------------------

  function sloCard(s, series) {
    var card = el('article', { class: 'card slo', 'data-slo-id': s.slo_id });
    var head = el('header');
    var name = el('div');
    name.appendChild(el('div', { class: 'slo-id' }, s.slo_id));
    name.appendChild(el('div', { class: 'service' }, s.service + (series ? ' · window ' + series.time_window : '') +
      (s.kind === 'composite' ? ' · composite of ' + (s.components || []).length + ' SLOs' : '')));
    if (series && series.group) {
      var values = Object.keys(series.group.values).sort().map(function (k) { return k + '=' + series.group.values[k]; }).join(', ');
      name.appendChild(el('div', { class: 'service', 'data-field': 'group', 'data-group': series.group.template }, 'group ' + series.group.template + ' · ' + values));
    }
    head.appendChild(name);
    var firing = s.alerts.filter(function (a) { return a.status === 'FIRING'; });
    var page = firing.some(function (a) { return a.severity === 'PAGE'; });
    head.appendChild(el('span', { class: 'pill ' + (page ? 'bad' : firing.length ? 'warn' : s.sli !== null && s.sli < s.target ? 'warn' : 'ok') },
      page ? 'paging' : firing.length ? 'ticket' : s.sli !== null && s.sli < s.target ? 'below target' : 'ok'));
    card.appendChild(head);

    var dl = el('dl', { class: 'figures' });
    dl.appendChild(figure('SLI / target', el('dd', { 'data-field': 'sli', 'data-value': s.sli === null ? '' : s.sli },
      (s.sli === null ? 'no traffic' : pct(s.sli, 3)) + ' / ' + pct(s.target, 2))));
    var b = s.error_budget_remaining;
    var budget = el('dd', { 'data-field': 'budget', 'data-value': b === null ? '' : b });
    var bar = el('span', { class: 'bar ' + budgetClass(b) + (b !== null && b <= 0 ? ' over' : ''), role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100,
      'aria-valuenow': b === null ? 0 : Math.round(Math.max(0, Math.min(1, b)) * 100), 'aria-label': 'error budget remaining' });
    var fill = el('span');
    fill.style.width = (b === null ? 0 : Math.max(0, Math.min(1, b)) * 100) + '%';
    bar.appendChild(fill);
    budget.appendChild(bar);
    budget.appendChild(el('span', { class: 'budget-text' + (b !== null && b <= 0 ? ' over' : '') }, b === null ? '–' : b < 0 ? 'overspent by ' + pct(-b, 1) : pct(b, 1) + ' left'));
    dl.appendChild(figure('Error budget', budget));
    dl.appendChild(figure('Exhaustion', el('dd', { 'data-field': 'exhaustion', 'data-value': s.time_to_exhaustion_seconds === null ? '' : s.time_to_exhaustion_seconds },
      exhaustion(s))));
    var alerts = el('dd', { 'data-field': 'alerts', 'data-count': s.alerts.length });
    if (s.alerts.length === 0) alerts.appendChild(el('span', { class: 'badge none' }, 'none'));
    s.alerts.forEach(function (a) {
      alerts.appendChild(el('span', { class: 'badge ' + (a.severity === 'PAGE' ? 'bad' : 'warn'), 'data-severity': a.severity },
        a.severity + ' ' + a.long_window + '/' + a.short_window));
    });
    dl.appendChild(figure('Alerts', alerts));
    var burns = el('dd', { 'data-field': 'burn' });
    Object.keys(s.burn_rates).sort(function (x, y) { return windowSeconds(x) - windowSeconds(y); }).forEach(function (w) {
      var r = s.burn_rates[w];
      burns.appendChild(el('span', { class: 'badge ' + burnClass(r), 'data-window': w, 'data-value': r, title: 'burn rate over ' + w }, w + ' ' + r.toFixed(1) + 'x'));
    });
    dl.appendChild(figure('Burn rates now', burns, true));
    if (s.kind === 'composite') dl.appendChild(figure('Components', componentList(s, series), true));
    card.appendChild(dl);
    return card;
  }

  /**
   * A composite's components: weight and share of the weights (from the series), and each
   * one's own burn over the composite's window against its own target (from the status).
   */
  function componentList(s, series) {
    var dd = el('dd', { 'data-field': 'components' });
    var listed = (series && series.components) || s.components || [];
    var now = {};
    (s.components || []).forEach(function (c) { now[c.slo_id] = c; });
    listed.forEach(function (c) {
      var st = now[c.slo_id];
      var burn = st ? st.burn_rate : null;
      dd.appendChild(el('span', { class: 'badge ' + (burn === null ? 'none' : burnClass(burn)), 'data-component': c.slo_id, 'data-weight': c.weight,
        'data-share': c.share, 'data-burn': burn === null ? '' : burn, title: c.slo_id + ': target ' + pct(c.target, 2) + ', burn against its own target' },
        c.slo_id + ' · weight ' + c.weight + ' (' + pct(c.share, 1) + ')' + (burn === null ? '' : ' · ' + burn.toFixed(2) + 'x')));
    });
    return dd;
  }

  function chartSlot(card, key, caption) {
    var f = el('figure', { 'data-chart': key });
    f.appendChild(el('figcaption', null, caption));
    var slot = el('div', { class: 'chart' });
    f.appendChild(slot);
    card.appendChild(f);
    return slot;
  }

  /** Worst first: paging, then a ticket open, then below target; then the least budget left. */
  function rank(s) {
    var firing = s.alerts.filter(function (a) { return a.status === 'FIRING'; });
    if (firing.some(function (a) { return a.severity === 'PAGE'; })) return 0;
    if (firing.length) return 1;
    return s.sli !== null && s.sli < s.target ? 2 : 3;
  }
  function worstFirst(slos) {
    return slos.slice().sort(function (a, b) {
      var ba = a.error_budget_remaining === null ? Infinity : a.error_budget_remaining;
      var bb = b.error_budget_remaining === null ? Infinity : b.error_budget_remaining;
      return rank(a) - rank(b) || (ba < bb ? -1 : ba > bb ? 1 : 0) || (a.slo_id < b.slo_id ? -1 : a.slo_id > b.slo_id ? 1 : 0);
    });
  }

  function renderSlos(slos, series, keep) {
    var grid = $('slos');
    var byId = {};
    series.slos.forEach(function (x) { byId[x.slo_id] = x; });
    var cards = slos.map(function (s) { return [s, byId[s.slo_id], sloCard(s, byId[s.slo_id])]; });
    // Charts are kept aside while the cards are replaced, then moved into the new ones.
    grid.textContent = '';
    cards.forEach(function (c) { grid.appendChild(c[2]); });
    cards.forEach(function (c) {
      var s = c[0], ser = c[1], card = c[2];
      if (!ser || ser.points.length === 0) {
        card.appendChild(el('p', { class: 'empty', 'data-testid': 'no-curve' }, 'No evaluations on the SLO board yet: the board feed writes them every minute.'));
        return;
      }
      var span = ser.from.slice(0, 16).replace('T', ' ') + ' to ' + ser.to.slice(0, 16).replace('T', ' ') + ' UTC, every ' + ser.step_minutes + ' min';
      sliChart(chartSlot(card, 'sli', 'SLI and error budget left, ' + span), s, ser);
      keep['sli:' + s.slo_id] = true;
      burnChart(chartSlot(card, 'burn', 'Burn rate per window'), s, ser);
      keep['burn:' + s.slo_id] = true;
    });
  }

  /** One chip per grouped document: how many SLOs it makes and how many of them need attention. */
  function renderGroups(slos, series) {
    var groups = {};
    var byId = {};
    slos.forEach(function (s) { byId[s.slo_id] = s; });
    series.slos.forEach(function (x) {
      if (!x.group) return;
      var g = groups[x.group.template] || (groups[x.group.template] = { n: 0, attention: 0 });
      g.n++;
      var s = byId[x.slo_id];
      if (s && rank(s) < 3) g.attention++;
    });
    var box = $('groups');
    box.textContent = '';
    var names = Object.keys(groups).sort();
    box.hidden = names.length === 0;
    if (names.length) box.appendChild(el('span', null, 'Grouped SLOs (one definition, an SLO per value):'));
    names.forEach(function (t) {
      var g = groups[t];
      box.appendChild(el('span', { class: 'pill ' + (g.attention ? 'warn' : 'ok'), 'data-group': t, 'data-count': g.n, 'data-attention': g.attention },
        t + ' · ' + g.n + ' SLOs, ' + g.attention + ' need attention'));
    });
  }

  function notificationsTile(n) {
    var t = tile('Failed notifications', n.failed, n.failed ? 'bad' : '', 'tile-notifications',
      n.pending + ' waiting' + (n.pending ? ', oldest ' + age(n.oldest_pending_age_seconds) : ''));
    t.setAttribute('data-failed', n.failed);
    t.setAttribute('data-pending', n.pending);
    t.title = n.receivers.map(function (r) { return r.receiver + ': ' + r.failed + ' failed, ' + r.pending + ' waiting, ' + r.delivered + ' delivered'; }).join('; ');
    return t;
  }

  /**
   * Every rule firing at the evaluation time, one row each as slo status lists them (two PAGE
   * rules firing on one SLO are two rows), pages first, then worst SLO first.
   */
  function renderFiring(slos, series) {
    var rules = {};
    series.slos.forEach(function (x) { rules[x.slo_id] = x.alert_rules || []; });
    var rows = [];
    worstFirst(slos).forEach(function (s) {
      s.alerts.forEach(function (a) { if (a.status === 'FIRING') rows.push([s, a]); });
    });
    rows.sort(function (x, y) { return (x[1].severity === 'PAGE' ? 0 : 1) - (y[1].severity === 'PAGE' ? 0 : 1); });
    var body = $('firing').tBodies[0];
    body.textContent = '';
    rows.forEach(function (r) {
      var s = r[0], a = r[1];
      var rule = (rules[s.slo_id] || []).filter(function (x) {
        return x.severity === a.severity && x.long_window === a.long_window && x.short_window === a.short_window;
      })[0];
      var tr = el('tr', { 'data-alert-slo': s.slo_id, 'data-severity': a.severity, 'data-long': a.long_window, 'data-short': a.short_window });
      tr.appendChild(el('td', { class: 'name' }, s.slo_id));
      var sev = el('td');
      sev.appendChild(el('span', { class: 'badge ' + (a.severity === 'PAGE' ? 'bad' : 'warn') }, a.severity));
      tr.appendChild(sev);
      tr.appendChild(el('td', null, a.long_window + ' / ' + a.short_window));
      var burnLong = s.burn_rates[a.long_window], burnShort = s.burn_rates[a.short_window];
      [['burn-long', burnLong], ['burn-short', burnShort]].forEach(function (b) {
        var known = typeof b[1] === 'number';
        tr.appendChild(el('td', { class: 'num', 'data-field': b[0], 'data-value': known ? b[1] : '' }, known ? b[1].toFixed(1) + 'x' : '–'));
      });
      tr.appendChild(el('td', { class: 'num opt', 'data-field': 'threshold', 'data-value': rule ? rule.threshold : '' }, rule ? rule.threshold + 'x' : '–'));
      body.appendChild(tr);
    });
    $('firing-none').hidden = rows.length > 0;
    $('firing-wrap').hidden = rows.length === 0;
  }

  /** The notification outbox per receiver: waiting (and since when), failed, delivered. */
  function renderOutbox(n) {
    var body = $('outbox').tBodies[0];
    body.textContent = '';
    n.receivers.forEach(function (r) {
      var tr = el('tr', { 'data-receiver': r.receiver });
      tr.appendChild(el('td', { class: 'name' }, r.receiver));
      tr.appendChild(el('td', { class: 'num', 'data-field': 'pending', 'data-value': r.pending }, r.pending));
      tr.appendChild(el('td', { class: 'opt', 'data-field': 'oldest-pending', 'data-value': r.oldest_pending_at || '' },
        r.oldest_pending_at ? r.oldest_pending_at.slice(0, 16).replace('T', ' ') + ' UTC' : '–'));
      tr.appendChild(el('td', { class: 'num' + (r.failed ? ' bad' : ''), 'data-field': 'failed', 'data-value': r.failed }, r.failed));
      tr.appendChild(el('td', { class: 'num', 'data-field': 'delivered', 'data-value': r.delivered }, r.delivered));
      body.appendChild(tr);
    });
    var summary = $('outbox-summary');
    summary.setAttribute('data-pending', n.pending);
    summary.setAttribute('data-failed', n.failed);
    summary.textContent = n.receivers.length === 0 ? 'No notification sent or waiting.'
      : n.pending + ' waiting' + (n.pending ? ' (oldest ' + age(n.oldest_pending_age_seconds) + ')' : '') + ', ' + n.failed + ' failed (rejected or expired, kept 30 days).';
    $('outbox-wrap').hidden = n.receivers.length === 0;
  }

  function renderFinance(f) {
    var months = $('months').tBodies[0];
    months.textContent = '';
    f.months.forEach(function (m) {
      var tr = el('tr', { 'data-month': m.month });
      tr.appendChild(el('td', null, m.month));
      ['compensation_cost', 'refund_cost', 'lost_revenue', 'total_cost'].forEach(function (k) {
        tr.appendChild(el('td', { class: k === 'total_cost' ? 'num' : 'num opt', 'data-field': k, 'data-value': m[k] }, money(m[k], f.currency)));
      });
      tr.appendChild(el('td', { class: 'num', 'data-field': 'incidents' }, m.incidents));
      months.appendChild(tr);
    });
    var top = $('top').tBodies[0];
    top.textContent = '';
    f.top_incidents.forEach(function (i) {
      var tr = el('tr', { 'data-incident-id': i.incident_id });
      tr.appendChild(el('td', null, i.incident_id));
      tr.appendChild(el('td', null, i.severity));
      tr.appendChild(el('td', { class: 'opt' }, i.fault));
      tr.appendChild(el('td', { class: 'num', 'data-field': 'total_cost', 'data-value': i.total_cost }, money(i.total_cost, f.currency)));
      top.appendChild(tr);
    });
  }

  function renderAge(a) {
    var span = $('data-age');
    span.setAttribute('data-ingest-age', a.ingest_age_seconds === null ? '' : a.ingest_age_seconds);
    span.setAttribute('data-newest-event', a.newest_event_at === null ? '' : a.newest_event_at);
    span.textContent = a.newest_ingested_at === null ? 'no data ingested yet'
      : 'newest data ingested ' + age(a.ingest_age_seconds) + ' ago (event time ' + a.newest_event_at + ')';
    var notes = $('pipeline-notes');
    var p = a.pipeline;
    notes.hidden = !p || (p.status === 'ok' && p.notes.length === 0);
    notes.textContent = p ? 'pipeline ' + p.status + (p.watermark ? ', watermark ' + p.watermark : '') + (p.notes.length ? ': ' + p.notes.join('; ') : '') : '';
  }

  function render(d, series) {
    var firing = [];
    d.slos.forEach(function (s) { s.alerts.forEach(function (a) { if (a.status === 'FIRING') firing.push(a); }); });
    var pages = firing.filter(function (a) { return a.severity === 'PAGE'; }).length;
    var meeting = d.slos.filter(function (s) { return s.sli !== null && s.sli >= s.target; }).length;
    var exhausted = d.slos.filter(function (s) { return s.error_budget_remaining !== null && s.error_budget_remaining <= 0; }).length;
    var a = series.data_age;
    var tiles = $('tiles');
    tiles.textContent = '';
    tiles.appendChild(tile('SLOs', d.slos.length, '', 'tile-slos'));
    tiles.appendChild(tile('Meeting objective', meeting + ' / ' + d.slos.length, meeting === d.slos.length ? '' : 'warn', 'tile-meeting'));
    tiles.appendChild(tile('Firing alerts', firing.length, pages ? 'bad' : firing.length ? 'warn' : '', 'tile-firing'));
    tiles.appendChild(tile('Budgets exhausted', exhausted, exhausted ? 'bad' : '', 'tile-exhausted'));
    tiles.appendChild(tile('Incident cost', money(d.finance.total.total_cost, d.finance.currency), '', 'tile-cost'));
    tiles.appendChild(tile('Unconverted money events', d.finance.total.unconverted, d.finance.total.unconverted ? 'warn' : '', 'tile-unconverted'));
    tiles.appendChild(tile('Data age', age(a.ingest_age_seconds), a.pipeline && a.pipeline.status !== 'ok' ? 'warn' : '', 'tile-data-age',
      a.newest_event_at ? 'newest event ' + a.newest_event_at.slice(0, 16).replace('T', ' ') + ' UTC' : 'no data yet'));
    tiles.appendChild(notificationsTile(d.notifications));
    var overall = $('overall');
    overall.className = 'pill ' + (pages ? 'bad' : firing.length ? 'warn' : 'ok');
    overall.textContent = firing.length ? firing.length + ' alert' + (firing.length > 1 ? 's' : '') + ' firing' : 'No alerts firing';
    $('evaluated-at').textContent = d.evaluated_at;
    $('updated-at').textContent = new Date().toISOString();
    renderAge(a);
    var keep = { cost: true };
    renderFiring(d.slos, series);
    renderOutbox(d.notifications);
    renderGroups(d.slos, series);
    renderSlos(worstFirst(d.slos), series, keep);
    costChart(series.cost);
    forget(keep);
    renderFinance(d.finance);
    document.body.setAttribute('data-loaded', d.generated_at);
  }

  function fetchJson(url, headers) {
    return fetch(url, { headers: headers, cache: 'no-store' }).then(function (r) {
      if (r.status === 401 || r.status === 403) return { denied: true };
      if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
      return r.json();
    });
  }

${MAINTENANCE_JS}
${SWEEP_JS}
  function load() {
    var headers = { accept: 'application/json' };
    var key = sessionStorage.getItem(KEY);
    if (key) headers.authorization = 'Bearer ' + key;
    return Promise.all([fetchJson('/status/data', headers), fetchJson('/status/series', headers)]).then(function (all) {
      var d = all[0], series = all[1];
      if (d.denied || series.denied) {
        sessionStorage.removeItem(KEY);
        $('login').hidden = false;
        $('login-error').textContent = key ? 'That key was not accepted.' : '';
        return;
      }
      $('login').hidden = true;
      $('error').hidden = true;
      render(d, series);
      loadMaintenance(headers);
      $('refresh').textContent = 'refreshes every ' + Math.round(d.refresh_ms / 1000) + 's';
      clearTimeout(timer);
      timer = setTimeout(load, d.refresh_ms);
    }).catch(function (e) {
      $('error').hidden = false;
      $('error').textContent = String(e.message || e) + ' — retrying';
      clearTimeout(timer);
      timer = setTimeout(load, 10000);
    });
  }

  var resizing = 0;
  window.addEventListener('resize', function () {
    cancelAnimationFrame(resizing);
    resizing = requestAnimationFrame(function () {
      Object.keys(charts).forEach(function (k) {
        var u = charts[k];
        if (u.root.parentNode) u.setSize({ width: chartWidth(u.root.parentNode), height: chartHeight() });
      });
    });
  });

  document.addEventListener('DOMContentLoaded', function () {
    $('login').addEventListener('submit', function (ev) {
      ev.preventDefault();
      sessionStorage.setItem(KEY, $('key').value.trim());
      load();
    });
    initSweep();
    load();
  });
})();
`;
