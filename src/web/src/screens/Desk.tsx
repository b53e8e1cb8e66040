// Placeholder: replaced by the screen's implementation.
export function DeskQueue() { return <section><h1>DeskQueue</h1></section>; }
