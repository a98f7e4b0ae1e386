/* The transition dashboard's progress chart, drawn with the vendored Chart.js (no CDN, no
   inline script): labs moved per month (bars), their running total (line), and the straight
   line that moves every lab by the end of the period (dashed). The same numbers are in the
   table under the chart, for screen readers and print. */
(function () {
  "use strict";
  var canvas = document.getElementById("progress-chart");
  var source = document.getElementById("progress-data");
  if (!canvas || !source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        {
          type: "bar",
          label: "その月の移行件数",
          data: data.per_month,
          backgroundColor: "#0031d8",
          order: 3
        },
        {
          type: "line",
          label: "移行済みの累計",
          data: data.cumulative,
          borderColor: "#197a4b",
          backgroundColor: "#197a4b",
          pointRadius: 2,
          spanGaps: false,
          order: 1
        },
        {
          type: "line",
          label: "期限までに全ラボが移行するための目安（累計）",
          data: data.target,
          borderColor: "#8a4600",
          borderDash: [6, 4],
          pointRadius: 0,
          order: 2
        }
      ]
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        y: { beginAtZero: true, suggestedMax: data.total, title: { display: true, text: "ラボ数" } },
        x: { ticks: { autoSkip: true, maxRotation: 0 } }
      },
      plugins: { legend: { position: "bottom" } }
    }
  });
})();
