// Renders step summaries as github.com shows them, in headless Chromium, and reports what a reader sees.
//
//   node tools/render-summary.mjs CASES.json [SCREENSHOT_DIR]
//
// CASES.json: [{"name": "...", "markdown": "..."}]. Each summary becomes HTML with a GFM renderer
// (micromark + micromark-extension-gfm: CommonMark and GitHub's tables, strikethrough, autolinks),
// then each ```mermaid block is drawn by Mermaid 11 (the version pinned in package-lock.json), once
// on GitHub's light page (#ffffff, Mermaid's "default" theme) and once on its dark page (#0d1117,
// "dark" theme), as github.com does for each colour mode. One browser start for all cases.
// Prints one JSON document on stdout: per case and theme, the page's visible text, each chart's
// Mermaid error (if any), the colours of its line series and the legend paragraph that follows it.
// With SCREENSHOT_DIR, saves NAME.light.png and NAME.dark.png there.
//
// Chromium: Debian's /usr/bin/chromium (CHROMIUM overrides), driven by playwright-core (no browser
// download), in a throw-away profile playwright makes.

import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { micromark } from "micromark";
import { gfm, gfmHtml } from "micromark-extension-gfm";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const MERMAID = join(here, "node_modules", "mermaid", "dist", "mermaid.min.js");
const THEMES = {
  light: { background: "#ffffff", text: "#1f2328", border: "#d1d9e0", link: "#0969da", mermaid: "default" },
  dark: { background: "#0d1117", text: "#f0f6fc", border: "#3d444d", link: "#4493f8", mermaid: "dark" },
};

function page(theme) {
  const t = THEMES[theme];
  return `<!doctype html><html><head><meta charset="utf-8"><style>
    body { background: ${t.background}; color: ${t.text}; margin: 24px; width: 880px;
      font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
    table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid ${t.border}; padding: 4px 10px; }
    code { font-family: ui-monospace, monospace; } a { color: ${t.link}; }
  </style></head><body><article class="markdown-body"></article></body></html>`;
}

async function renderCharts([html, mermaidTheme]) {
  // In the page: the summary's HTML, then each ```mermaid block (micromark: <pre><code
  // class="language-mermaid">) replaced by its drawing, as GitHub does; a block Mermaid cannot draw
  // keeps its error.
  document.querySelector("article").innerHTML = html;
  window.mermaid.initialize({ startOnLoad: false, theme: mermaidTheme, securityLevel: "strict" });
  const charts = [];
  const blocks = [...document.querySelectorAll("pre > code.language-mermaid")];
  for (const [index, code] of blocks.entries()) {
    const pre = code.parentElement;
    const chart = { error: null, series: [], title: null, legend: null, background: null };
    try {
      const { svg } = await window.mermaid.render(`chart${index}`, code.textContent);
      const holder = document.createElement("div");
      holder.className = "mermaid-chart";
      holder.innerHTML = svg;
      pre.replaceWith(holder);
      const root = holder.querySelector("svg");
      if (root.getAttribute("aria-roledescription") === "error" || root.querySelector(".error-icon")) {
        chart.error = root.textContent.trim();
      }
      chart.title = root.querySelector(".chart-title text")?.textContent ?? null;
      const plot = root.querySelector("rect.background");
      chart.background = plot ? getComputedStyle(plot).fill : null;
      for (const path of root.querySelectorAll('[class*="line-plot-"] path')) {
        chart.series.push(getComputedStyle(path).stroke);
      }
      const next = holder.nextElementSibling;
      chart.legend = next && next.tagName === "P" ? next.textContent : null;
    } catch (error) {
      chart.error = String(error && error.message ? error.message : error);
      document.querySelectorAll(`#dchart${index}, #chart${index}`).forEach((e) => e.remove());
    }
    charts.push(chart);
  }
  return { charts, text: document.body.innerText, background: getComputedStyle(document.body).backgroundColor };
}

async function main() {
  const [casesPath, shots] = process.argv.slice(2);
  const cases = JSON.parse(readFileSync(casesPath, "utf8"));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync",
    ],
  });
  const results = [];
  try {
    const context = await browser.newContext({ viewport: { width: 940, height: 800 }, javaScriptEnabled: true });
    await context.route("**/*", (route) => route.abort()); // nothing from the network
    for (const theme of Object.keys(THEMES)) {
      const tab = await context.newPage(); // one page per theme: Mermaid is loaded once
      await tab.setContent(page(theme));
      await tab.addScriptTag({ path: MERMAID });
      for (const { name, markdown } of cases) {
        const html = micromark(markdown, {
          allowDangerousHtml: true, // GitHub keeps <details>/<summary> (and sanitizes the rest)
          extensions: [gfm()],
          htmlExtensions: [gfmHtml()],
        });
        const rendered = await tab.evaluate(renderCharts, [html, THEMES[theme].mermaid]);
        if (shots) {
          await tab.screenshot({ path: join(shots, `${name}.${theme}.png`), fullPage: true });
        }
        results.push({ name, theme, page: THEMES[theme].background, ...rendered });
      }
      await tab.close();
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
