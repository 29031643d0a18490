// The dashboard's charts, drawn from the same figures as its tables (the page embeds them as JSON;
// the site's CSP allows no inline script). Chart.js is served by the app itself, from npm at install.
(function () {
  "use strict";
  var node = document.getElementById("dashboard-data");
  if (!node || typeof Chart === "undefined") { return; }
  var figures = JSON.parse(node.textContent);
  var areas = {};
  figures.areas.forEach(function (area) { areas[area.key] = area; });
  var colours = ["#2563eb", "#f59e0b", "#dc2626", "#16a34a", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];
  Chart.defaults.font.family = "system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif";

  // One bar per community; over several sub-districts (the district bureau), one per sub-district, from
  // their subtotal rows: two hundred community bars would be unreadable. The last row is the total.
  function rowsOf(area) {
    var subtotals = area.rows.filter(function (r) { return r.subtotal; });
    return subtotals.length ? subtotals : area.rows.slice(0, -1);
  }
  function rowName(r) { return r.subtotal ? r.name.replace(/ 小计$/, "") : r.name; }
  function kindOf(area, key) { return area.columns.filter(function (c) { return c.key === key; })[0].kind; }
  var money = new Intl.NumberFormat("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  function label(area, key) { return area.columns.filter(function (c) { return c.key === key; })[0].label; }
  function number(value) { return typeof value === "string" ? parseFloat(value) : value; }

  function bars(id, area, keys, options) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    var rows = rowsOf(area);
    var isMoney = kindOf(area, keys[0]) === "money";
    var base = { responsive: true, maintainAspectRatio: false, animation: false,
                 scales: { x: { ticks: { autoSkip: false } }, y: { ticks: { autoSkip: false } } },
                 plugins: { tooltip: { callbacks: { label: function (item) {
                   var value = item.raw;
                   return item.dataset.label + "：" + (isMoney ? money.format(value) + " 元" : value);
                 } } } } };
    if (rows.length > 8) {
      // Many names: bars lie down, one line each, and the box grows with them (no label skipped).
      base.indexAxis = "y";
      canvas.parentNode.style.height = (rows.length * 26 + 70) + "px";
    }
    var extra = options || {};
    if (extra.scales && base.indexAxis === "y") {  // stacked on the value axis whichever way it lies
      extra = { scales: { x: Object.assign({ ticks: { autoSkip: false } }, extra.scales.y),
                          y: Object.assign({ ticks: { autoSkip: false } }, extra.scales.x) } };
    } else if (extra.scales) {
      extra = { scales: { x: Object.assign({ ticks: { autoSkip: false } }, extra.scales.x),
                          y: Object.assign({ ticks: { autoSkip: false } }, extra.scales.y) } };
    }
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map(rowName),
        datasets: keys.map(function (key, i) {
          return { label: label(area, key), backgroundColor: colours[i % colours.length],
                   data: rows.map(function (r) { return number(r.values[key]); }) };
        })
      },
      options: Object.assign(base, extra)
    });
  }

  bars("chart-population", areas.population, ["residents", "age60", "age80"]);
  var population = areas.population;
  var total = population.rows[population.rows.length - 1].values;
  var groups = population.columns.slice(3);
  new Chart(document.getElementById("chart-groups"), {
    type: "bar",
    data: { labels: groups.map(function (c) { return c.label; }),
            datasets: [{ label: "人数", backgroundColor: colours[0],
                         data: groups.map(function (c) { return total[c.key]; }) }] },
    options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
               plugins: { legend: { display: false } },
               scales: { y: { ticks: { autoSkip: false } } } }  // every group named, none skipped
  });
  bars("chart-visits", areas.visits, ["home", "phone", "curtain_sign", "other"], { scales: { x: { stacked: true }, y: { stacked: true } } });
  bars("chart-meals", areas.meals, ["meals"]);
  bars("chart-disbursed", areas.cases, ["disbursed"]);

  var byKind = areas.cases.by_kind;
  var states = areas.cases.states;
  new Chart(document.getElementById("chart-cases"), {
    type: "bar",
    data: { labels: byKind.map(function (k) { return k.label; }),
            datasets: states.map(function (state, i) {
              return { label: state.label, backgroundColor: colours[i % colours.length],
                       data: byKind.map(function (k) { return k.states[state.key]; }) };
            }) },
    options: { responsive: true, maintainAspectRatio: false, animation: false,
               scales: { x: { stacked: true }, y: { stacked: true } } }
  });
})();
