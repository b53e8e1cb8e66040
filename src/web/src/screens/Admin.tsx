// Placeholder: replaced by the screen's implementation.
export function AdminUsers() { return <section><h1>AdminUsers</h1></section>; }
export function AdminPartners() { return <section><h1>AdminPartners</h1></section>; }
