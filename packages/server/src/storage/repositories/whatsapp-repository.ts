/**
 * WhatsApp business numbers and their per-number logs.
 *
 * Every method is async, takes and returns plain data (no driver types), and is
 * implemented by both engines: `storage/sqlite/` and `storage/postgres/`. Inside a
 * write it runs in the write's transaction; outside it reads committed data.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in as the area moves behind the boundary
export interface WhatsAppRepository {}
