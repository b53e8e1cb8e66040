// Placeholder: replaced by the screen's implementation.
export function AuditLog() { return <section><h1>AuditLog</h1></section>; }
