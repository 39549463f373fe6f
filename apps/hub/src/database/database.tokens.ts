/** Injection token of the raw better-sqlite3 connection TypeORM opened, for hot paths that bypass the ORM. */
export const SQLITE = Symbol('Sqlite');
