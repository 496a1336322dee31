/** The --pick prompt: a multi-select of billing periods (consola's prompt, on stderr), new and changed pre-selected. */
import { createConsola } from "consola";
import type { FinopsContext } from "../context.ts";
import { planKey, planLabel, type PeriodPlan } from "../cur/plan.ts";
import { InterruptedError } from "../errors.ts";

export function periodPicker(ctx: FinopsContext) {
  return async (plans: PeriodPlan[]): Promise<Set<string>> => {
    if (plans.length === 0) return new Set();
    const prompt = createConsola({ stdout: ctx.stderr as NodeJS.WriteStream, stderr: ctx.stderr as NodeJS.WriteStream });
    const state = (p: PeriodPlan) => {
      const label = planLabel(p);
      return label === "error" ? "manifest error" : label === "up to date" ? `up to date (${p.current?.rows ?? 0} rows)` : label;
    };
    const options = plans.map((p) => ({
      value: planKey(p),
      label: `${p.export.name} ${p.discovered.period}`,
      hint: state(p),
    }));
    const initial = plans.filter((p) => p.action === "import").map(planKey);
    const answer = await prompt.prompt(`Billing periods of ${plans[0].export.name} to import (space to toggle, enter to confirm)`, {
      type: "multiselect",
      options,
      initial,
      required: false,
      cancel: "symbol",
    });
    if (typeof answer === "symbol" || answer === undefined) throw new InterruptedError("cancelled");
    return new Set((answer as unknown as (string | { value: string })[]).map((a) => (typeof a === "string" ? a : a.value)));
  };
}
