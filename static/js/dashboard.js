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

  function rowsOf(area) { return area.rows.slice(0, -1); }  // the last row is the total
  function label(area, key) { return area.columns.filter(function (c) { return c.key === key; })[0].label; }
  function number(value) { return typeof value === "string" ? parseFloat(value) : value; }

  function bars(id, area, keys, options) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    var rows = rowsOf(area);
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return r.name; }),
        datasets: keys.map(function (key, i) {
          return { label: label(area, key), backgroundColor: colours[i % colours.length],
                   data: rows.map(function (r) { return number(r.values[key]); }) };
        })
      },
      options: Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, options || {})
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
