/** The closed lists the form offers, from the server's own vocabulary (their words are in locales/). */
export { BOROUGHS, THREAT_CATEGORIES as CATEGORIES } from '../../reports/model/vocabulary.js';
