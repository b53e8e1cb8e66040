// Placeholder: replaced by the screen's implementation.
export function Supervisor() { return <section><h1>Supervisor</h1></section>; }
