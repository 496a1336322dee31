/** The one list of finops commands; main.ts hands it to src/cli.ts. */
import type { FinopsCommandClass } from "../src/cli.ts";
import { ImportCurCommand } from "./aws/import-cur.ts";
import { AwsHelpCommand } from "./aws/index.ts";
import { ListExportsCommand } from "./aws/list-exports.ts";
import { ListManifestsCommand } from "./aws/list-manifests.ts";
import { ShowStateCommand } from "./aws/show-state.ts";
import { ConfigInitCommand, ConfigShowCommand } from "./config.ts";
import { DoctorCommand } from "./doctor.ts";
import { QueryCommand } from "./query.ts";

export const commands: FinopsCommandClass[] = [
  ImportCurCommand,
  ListManifestsCommand,
  ListExportsCommand,
  ShowStateCommand,
  AwsHelpCommand,
  QueryCommand,
  ConfigShowCommand,
  ConfigInitCommand,
  DoctorCommand,
];
