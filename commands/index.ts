/** The one list of finops commands; main.ts hands it to src/cli.ts. One command class per file, path as command. */
import type { FinopsCommandClass } from "../src/cli.ts";
import { CompareExportsCommand } from "./aws/compare-exports.ts";
import { AwsHelpCommand } from "./aws/help.ts";
import { ImportCurCommand } from "./aws/import-cur.ts";
import { ListExportsCommand } from "./aws/list-exports.ts";
import { ListManifestsCommand } from "./aws/list-manifests.ts";
import { ShowStateCommand } from "./aws/show-state.ts";
import { ConfigInitCommand } from "./config/init.ts";
import { ConfigShowCommand } from "./config/show.ts";
import { DoctorCommand } from "./doctor.ts";
import { LakeDdlCommand } from "./lake/ddl.ts";
import { LakeExportCommand } from "./lake/export.ts";
import { QueryCommand } from "./query.ts";
import { ReportAnomaliesCommand } from "./report/anomalies.ts";
import { ReportCostsCommand } from "./report/costs.ts";
import { ReportDailyCommand } from "./report/daily.ts";
import { ReportHtmlCommand } from "./report/html.ts";
import { ReportMoversCommand } from "./report/movers.ts";
import { ReportTagsCommand } from "./report/tags.ts";

export const commands: FinopsCommandClass[] = [
  ImportCurCommand,
  ListManifestsCommand,
  ListExportsCommand,
  ShowStateCommand,
  CompareExportsCommand,
  AwsHelpCommand,
  QueryCommand,
  ReportCostsCommand,
  ReportMoversCommand,
  ReportDailyCommand,
  ReportAnomaliesCommand,
  ReportTagsCommand,
  ReportHtmlCommand,
  LakeExportCommand,
  LakeDdlCommand,
  ConfigShowCommand,
  ConfigInitCommand,
  DoctorCommand,
];
