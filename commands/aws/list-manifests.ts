import { SourceCommand } from "./_source.ts";

export class ListManifestsCommand extends SourceCommand {
  static override paths = [["aws", "list-manifests"]];
  static override usage = SourceCommand.Usage({
    category: "AWS",
    description: "What the bucket holds per billing period, against what the database holds",
    details: `
      For each billing period of the export: the version id of its manifest, the number of data files, when the
      manifest was last written, and its state against the database: \`new\`, \`changed\` or \`up to date\` (with the
      rows held). Costs one listing and one small GET per period; no data file is read.
    `,
    examples: [["A legacy CUR", "$0 aws list-manifests -b my-billing-bucket -p cur -e my-cur"]],
  });

  async run(): Promise<number> {
    const [{ resolveExports }, { listManifests }, { renderManifests }] = await Promise.all([
      import("../../src/config/exports.ts"),
      import("../../src/cur/list-manifests.ts"),
      import("../../src/output/lists.ts"),
    ]);
    const settings = await this.settings();
    const rows = await listManifests({
      exports: resolveExports(this.sourceFlags(), settings),
      database: settings.database,
      env: this.context.env,
      network: settings.tuning.network,
      signal: this.context.signal,
      logger: this.logger,
    });
    this.out(renderManifests(rows, { json: this.json, tty: this.context.stdoutIsTTY, color: this.color }));
    return rows.some((r) => r.state === "error") ? 1 : 0;
  }
}
