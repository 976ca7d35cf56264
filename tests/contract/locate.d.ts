export declare const REAL_MDAD_FILES: string[];
export declare function locateRealMdad(): { dir?: string; reason?: string };
