/** The runtime's outcome log lines, counted: the ops console's health page owns the code (its fallback where no EMF metrics exist). */
export { consumerOutcomes, forEachLogLine, type Outcome } from '../../bin/cli/console/log-outcomes';
