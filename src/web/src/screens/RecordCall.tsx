// Placeholder: replaced by the screen's implementation.
export function RecordCall() { return <section><h1>RecordCall</h1></section>; }
