/** One suite's part of the printed report: its lines, and one line for the closing "targets met" block. */
export interface ReportSection {
  lines: string[];
  summary: string;
}
