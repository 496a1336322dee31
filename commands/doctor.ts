import { BaseCommand } from "../src/command.ts";

export class DoctorCommand extends BaseCommand {
  static override paths = [["doctor"]];
  static override usage = BaseCommand.Usage({
    description: "Check that finops works here: versions, DuckDB, the database path, AWS credentials",
    details: `
      Prints the finops, Bun and DuckDB versions, where DuckDB's native library was loaded from, the database path and
      whether it is writable, and which AWS credential source the SDK would use (never a secret). DuckDB is checked by
      opening a scratch database file beside the database and running a query.

      Exits 1 when something is broken, saying what to do about it.
    `,
    examples: [
      ["Check this machine", "$0 doctor"],
      ["As JSON", "$0 doctor --json"],
    ],
  });

  async run(): Promise<number> {
    const [{ runDoctor }, { renderJson, renderTable }] = await Promise.all([
      import("../src/doctor.ts"),
      import("../src/output/table.ts"),
    ]);
    const settings = await this.settings();
    const checks = await runDoctor(settings, this.context.env);
    const failed = checks.filter((c) => !c.ok);
    if (this.json) {
      this.out(renderJson({ ok: failed.length === 0, checks }));
    } else {
      const rows = checks.map((c) => [c.name, c.ok ? "ok" : "FAIL", c.value]);
      this.out(renderTable(["check", "status", "value"], rows, { color: this.color }));
    }
    for (const c of failed) this.logger.error(`${c.name}: ${c.value}${c.fix ? ` — ${c.fix}` : ""}`);
    return failed.length === 0 ? 0 : 1;
  }
}
