import { Link } from 'react-router';

/** Unknown routes get a page, never a blank screen. */
export function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>There is no page at this address, or your role cannot use it.</p>
      <p>
        <Link to="/">Go to your start page</Link>
      </p>
    </section>
  );
}
