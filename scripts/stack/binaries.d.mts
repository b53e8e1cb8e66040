export declare const FERRETDB_VERSION: string;
export declare const ROOT: string;
export declare const FERRETDB_BIN: string;
export declare function ensureRedis(): string;
export declare function ensureClamd(): string;
export declare function ensureSqlite3(): string | null;
export declare function ensureFerretDB(): string;
export declare function ensureBinaries(): { redisServer: string; ferretdb: string; sqlite3: string | null };
