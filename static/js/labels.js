// On a phone a table of records becomes one card per row (jiedao.css), each value after its column's
// heading (td[data-label]::before). A template may write the labels itself; a cell without one takes its
// column's heading here, so no table's heading is written twice.
(function () {
  "use strict";
  document.querySelectorAll("table.table").forEach(function (table) {
    var headings = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll("tbody td:not([data-label]):not([colspan])").forEach(function (cell) {
      var heading = headings[cell.cellIndex];
      if (heading) cell.setAttribute("data-label", heading);
    });
  });
})();
