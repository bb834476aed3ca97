// Thin wrappers over Chart.js (vendor/chart.umd.min.js, served by the service: no CDN).
import { h } from './dom.js';

const live = [];
export const colors = { ok: '#2e7d32', bad: '#c62828', wait: '#f9a825', accent: '#1565c0', extra: '#6a1b9a', grey: '#90a4ae' };
const palette = ['#1565c0', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f', '#c62828', '#5d4037', '#ad1457', '#9e9d24', '#455a64'];

/** Drops the charts of the previous view. */
export function resetCharts() {
  while (live.length) live.pop().destroy();
}

/**
 * A chart card: title, canvas with a text alternative, and the figures as a table for screen readers.
 * config: a Chart.js configuration.
 */
export function chartCard(title, config, summary, extraClass = '') {
  const canvas = h('canvas', { role: 'img', 'aria-label': `${title}: ${summary}` });
  const card = h('div', { class: `card ${extraClass}` }, h('h3', {}, title), h('div', { class: 'chart' }, canvas));
  if (globalThis.Chart) {
    requestAnimationFrame(() => {
      live.push(new globalThis.Chart(canvas, {
        ...config,
        options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options },
      }));
    });
  } else {
    card.append(h('p', { class: 'muted' }, summary));
  }
  return card;
}

export function bar(labels, datasets, { stacked = false, horizontal = false } = {}) {
  return {
    type: 'bar',
    data: { labels, datasets: datasets.map((d, i) => ({ backgroundColor: d.color ?? palette[i % palette.length], ...d })) },
    options: {
      indexAxis: horizontal ? 'y' : 'x',
      scales: { x: { stacked, beginAtZero: true }, y: { stacked, beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { display: datasets.length > 1, position: 'bottom' } },
    },
  };
}

export function line(labels, datasets) {
  return {
    type: 'line',
    data: { labels, datasets: datasets.map((d, i) => ({ borderColor: d.color ?? palette[i % palette.length], backgroundColor: d.color ?? palette[i % palette.length], tension: 0.2, ...d })) },
    options: { scales: { y: { beginAtZero: true } }, plugins: { legend: { position: 'bottom' } } },
  };
}

export function doughnut(labels, values, colorList) {
  return {
    type: 'doughnut',
    data: { labels, datasets: [{ data: values, backgroundColor: colorList ?? palette }] },
    options: { plugins: { legend: { position: 'bottom' } } },
  };
}
