import pkg from "../package.json" with { type: "json" };

/** The finops version, from package.json; what `finops --version` prints. */
export const VERSION: string = pkg.version;
