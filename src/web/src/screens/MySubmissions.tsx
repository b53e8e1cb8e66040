// Placeholder: replaced by the screen's implementation.
export function MySubmissions() { return <section><h1>MySubmissions</h1></section>; }
