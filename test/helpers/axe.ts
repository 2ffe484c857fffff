/**
 * The one accessibility check of the browser tests: serious and critical axe-core violations
 * (colour contrast included) on what a person finally sees.
 */
import type { Page } from "playwright-core";

export interface AxeOptions {
  /** CSS selector of the part to check (default: the whole document). */
  within?: string;
}

/**
 * Waits until Fluent's motions (Web Animations) have finished, then runs axe. Fluent's Tabster
 * focus "dummies" (`<i data-tabster-dummy aria-hidden tabindex=0>`) are left out of
 * aria-hidden-focus: a documented false positive (microsoft/tabster#288) — they only pass focus on.
 */
export async function seriousAxeViolations(page: Page, options: AxeOptions = {}): Promise<string[]> {
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState === "finished"));
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  return page.evaluate(async (within) => {
    type Node = { html: string };
    const axe = (window as unknown as { axe: { run(ctx: Element | Document, opts: object): Promise<{ violations: { id: string; impact: string | null; nodes: Node[] }[] }> } }).axe;
    const context = within ? document.querySelector(within) : document;
    if (!context) throw new Error(`axe: nothing matches ${within}`);
    const r = await axe.run(context, { resultTypes: ["violations"] });
    return r.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({ id: v.id, nodes: v.nodes.filter((n) => !(v.id === "aria-hidden-focus" && n.html.includes("data-tabster-dummy"))) }))
      .filter((v) => v.nodes.length > 0)
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(" | ")}`);
  }, options.within ?? null);
}
