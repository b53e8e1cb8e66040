export declare const NODE_VERSION: string;
export declare const NODE_MAJOR: number;
export declare const NODE_HOME: string;
export declare const NODE_BIN: string;
export declare function majorOf(version: string): number;
export declare function ensureNode(): string;
