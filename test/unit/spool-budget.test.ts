import { expect, test } from "bun:test";
import { SpoolBudget } from "../../src/cur/spool.ts";

test("while one period loads, the next downloads only up to 20% more than the larger period, then waits", async () => {
  const budget = new SpoolBudget();
  // Period A (100 bytes, 4 files) is downloaded and loading.
  budget.enter(100);
  for (let i = 0; i < 4; i++) await budget.reserve(25);
  expect(budget.used).toBe(100);
  // Period B (100 bytes, 4 files of 25) downloads beside it: 20 more bytes fit... not a 25-byte file.
  budget.enter(100);
  let got = 0;
  const b = (async () => {
    for (let i = 0; i < 4; i++) {
      await budget.reserve(25);
      got += 1;
    }
  })();
  await Bun.sleep(20);
  expect(got).toBe(0);
  expect(budget.used).toBe(100);
  // A's load ends and its folder goes: B proceeds.
  budget.leave(100, 100);
  await b;
  expect(got).toBe(4);
  expect(budget.used).toBe(100);
});

test("a file larger than the budget still downloads when the spool is otherwise empty; an abort wakes a waiter", async () => {
  const budget = new SpoolBudget();
  budget.enter(10);
  await budget.reserve(500);
  expect(budget.used).toBe(500);
  const controller = new AbortController();
  const waiting = budget.reserve(5, controller.signal);
  controller.abort();
  await expect(waiting).rejects.toThrow("interrupted");
});
