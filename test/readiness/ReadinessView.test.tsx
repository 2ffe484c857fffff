/**
 * The AI-readiness page of the Governance Center in jsdom, by role, over a fake source that scores
 * the crafted organisation's signals with the real scoring.
 */
import * as React from "react";
import { fireEvent, render, screen, within } from "@testing-library/react";
import { GovernanceCenter } from "../../plugins-ts/webresources/governance/components/GovernanceCenter/GovernanceCenter";
import type { ReadinessSource } from "../../plugins-ts/webresources/governance/components/ReadinessView";
import { QUESTIONS, type Answers } from "../../plugins-ts/readiness/questions";
import { buildScorecard } from "../../plugins-ts/readiness/score";
import { FakeData } from "../governance/fakeData";
import { ALL_YES, craftedSignals } from "./fixtures";

const NOW = new Date("2026-11-23T12:00:00Z");

function mount(source?: ReadinessSource) {
  return render(<GovernanceCenter data={new FakeData()} readiness={source} settings={{ personRanking: false }} linkTo={(t, id) => ({ href: `https://host.example/${t}/${id}` })} now={() => NOW} />);
}

function answerAll(answers: Answers): void {
  for (const q of QUESTIONS) {
    const group = screen.getByRole("radiogroup", { name: q.text });
    fireEvent.click(within(group).getByRole("radio", { name: { yes: "Yes", partly: "Partly", no: "No" }[answers[q.id]] }));
  }
}

describe("AI readiness page", () => {
  it("is a tab only when a readiness source is given", async () => {
    mount();
    await screen.findByRole("button", { name: "Start audit" });
    expect(screen.queryByRole("tab", { name: "AI readiness" })).toBeNull();
  });

  it("asks the questions, scores the answers and shows the scorecard with contradictions and the summary", async () => {
    const calls: Array<{ answers: Answers; now: Date }> = [];
    mount({
      assess: (answers, now) => {
        calls.push({ answers, now });
        return Promise.resolve(buildScorecard(craftedSignals(), answers, null));
      },
    });
    fireEvent.click(await screen.findByRole("tab", { name: "AI readiness" }));
    const panel = screen.getByRole("tabpanel", { name: "AI readiness" });
    // The tab's view is a chunk of its own, loaded when the tab is first chosen.
    expect(await within(panel).findByRole("heading", { name: "AI readiness" })).toBeInTheDocument();
    const submit = within(panel).getByRole("button", { name: "Score readiness" });
    expect(submit).toBeDisabled();
    answerAll(ALL_YES);
    expect(submit).toBeEnabled();
    fireEvent.click(submit);
    expect(await within(panel).findByRole("heading", { name: "Overall readiness 64.5 / 100" })).toBeInTheDocument();
    expect(calls).toEqual([{ answers: ALL_YES, now: NOW }]);
    const pillars = within(panel).getByRole("table", { name: "Pillars" });
    expect(within(pillars).getByRole("row", { name: /^Process discipline 59\.5/ })).toBeInTheDocument();
    const contradictions = within(panel).getByRole("table", { name: "Contradictions" });
    expect(within(contradictions).getAllByRole("row")).toHaveLength(6);
    expect(within(contradictions).getByText("12 % of open opportunities (12 of 100) have a close date in the past")).toBeInTheDocument();
    expect(within(within(panel).getByRole("list", { name: "Prerequisites" })).getByText(/^Predictive opportunity scoring: not ready — 40 won, 39 lost \(needs 40\)/)).toBeInTheDocument();
    expect(within(panel).getByText("Ready for Predictive lead scoring.")).toBeInTheDocument();
    expect(within(panel).getByRole("button", { name: "Print scorecard" })).toBeInTheDocument();
  });

  it("says so when the assessment fails", async () => {
    mount({ assess: () => Promise.reject(new Error("vit_auditrun r1: vit_aggregates is not valid JSON")) });
    fireEvent.click(await screen.findByRole("tab", { name: "AI readiness" }));
    answerAll(ALL_YES);
    fireEvent.click(screen.getByRole("button", { name: "Score readiness" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The readiness assessment failed: vit_auditrun r1: vit_aggregates is not valid JSON");
  });
});
