/** One HTTP request a load generator sends (always POST), as the scenarios describe them. */
export interface RequestSpec {
  path: string;
  headers: Record<string, string>;
  body: string;
}
