// Placeholder: replaced by the screen's implementation.
export function ReportPage() { return <section><h1>ReportPage</h1></section>; }
