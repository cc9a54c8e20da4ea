// Token formats recognisable by their prefix, wherever they appear on a line (a bare argument,
// inside a URL, a header or a JSON body). `keepPrefix`: group 1 is the vendor prefix and stays
// (`hvs.***`, `ghp_***`) so an auditor sees what kind of credential was used; otherwise the whole
// token goes. Each is anchored on its prefix and bounded, so a scan stays linear.

export interface TokenFormat {
  name: string;
  re: string;
  keepPrefix: boolean;
}

export const TOKEN_PREFIXES: TokenFormat[] = [
  { name: 'HashiCorp Vault service/batch/recovery token', re: '\\b(hv[sbr]\\.)[A-Za-z0-9_-]{20,512}', keepPrefix: true },
  // Legacy Vault tokens: s./b./r. and 24 base62 characters with both an upper-case letter and a digit
  // (so `s.example`-like words stay).
  {
    name: 'HashiCorp Vault legacy token',
    re: '(?<![\\w.])([sbr]\\.)(?=[A-Za-z0-9]{0,23}[A-Z])(?=[A-Za-z0-9]{0,23}[0-9])[A-Za-z0-9]{24}(?![\\w.])',
    keepPrefix: true,
  },
  { name: 'Terraform Cloud / HCP token', re: '\\b([A-Za-z0-9]{14}\\.atlasv1\\.)[A-Za-z0-9_=-]{40,}', keepPrefix: true },
  { name: 'GitHub token', re: '\\b(gh[pousr]_)[A-Za-z0-9]{20,255}', keepPrefix: true },
  { name: 'GitHub fine-grained token', re: '\\b(github_pat_)[A-Za-z0-9_]{20,255}', keepPrefix: true },
  { name: 'GitLab token', re: '\\b(gl(?:pat|dt|rt|ptt|oas|soat|ft|imt|cbt|agent)-)[A-Za-z0-9_-]{20,}', keepPrefix: true },
  { name: 'Slack token', re: '\\b(xox[abeprs]-|xoxe\\.xox[bp]-|xapp-)[A-Za-z0-9-]{6,}', keepPrefix: true },
  { name: 'Stripe key', re: '\\b((?:sk|rk)_(?:live|test)_)[A-Za-z0-9]{8,}', keepPrefix: true },
  { name: 'Stripe / Standard Webhooks signing secret', re: '\\b(whsec_)[A-Za-z0-9+/=_-]{16,}', keepPrefix: true },
  { name: 'OpenAI / Anthropic key', re: '\\b(sk-(?:proj-|ant-(?:api\\d\\d-)?|svcacct-)?)[A-Za-z0-9_-]{20,}', keepPrefix: true },
  { name: 'Google API key', re: '\\b(AIza)[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])', keepPrefix: true },
  { name: 'Google OAuth access token', re: '\\b(ya29\\.)[0-9A-Za-z_-]{20,}', keepPrefix: true },
  { name: 'Google OAuth client secret', re: '\\b(GOCSPX-)[0-9A-Za-z_-]{20,}', keepPrefix: true },
  { name: 'Google OAuth refresh token', re: '(?<![\\w/])(1//0)[0-9A-Za-z_-]{30,}', keepPrefix: true },
  { name: 'npm token', re: '\\b(npm_)[A-Za-z0-9]{36}\\b', keepPrefix: true },
  { name: 'PyPI token', re: '\\b(pypi-)Ag[A-Za-z0-9_-]{50,}', keepPrefix: true },
  { name: 'Docker Hub token', re: '\\b(dckr_pat_)[A-Za-z0-9_-]{20,}', keepPrefix: true },
  { name: 'Hugging Face token', re: '\\b(hf_)[A-Za-z0-9]{30,}', keepPrefix: true },
  { name: 'DigitalOcean token', re: '\\b(do[opr]_v1_)[a-f0-9]{64}', keepPrefix: true },
  { name: 'Shopify token', re: '\\b(shp(?:at|ss|ca|pa)_)[a-fA-F0-9]{32}', keepPrefix: true },
  { name: 'SendGrid key', re: '\\b(SG\\.)[A-Za-z0-9_-]{16,32}\\.[A-Za-z0-9_-]{16,64}', keepPrefix: true },
  { name: 'Mailgun key', re: '\\b(key-)[0-9a-f]{32}\\b', keepPrefix: true },
  { name: 'Atlassian API token', re: '\\b(ATATT3)[A-Za-z0-9_=-]{20,}', keepPrefix: true },
  { name: 'Databricks token', re: '\\b(dapi)[0-9a-f]{32}\\b', keepPrefix: true },
  { name: 'Doppler token', re: '\\b(dp\\.(?:pt|st|sa|ct|scim|audit)\\.)[A-Za-z0-9]{20,}', keepPrefix: true },
  { name: 'Grafana token', re: '\\b(glsa_|glc_)[A-Za-z0-9_=+/-]{20,}', keepPrefix: true },
  { name: 'New Relic key', re: '\\b(NRAK-)[A-Z0-9]{20,}', keepPrefix: true },
  { name: 'Postman key', re: '\\b(PMAK-)[A-Za-z0-9-]{20,}', keepPrefix: true },
  { name: 'Sentry token', re: '\\b(sntry[su]_)[A-Za-z0-9_=+/-]{20,}', keepPrefix: true },
  { name: 'Heroku token', re: '\\b(HRKU-)[A-Za-z0-9_-]{20,}', keepPrefix: true },
  { name: 'Linear key', re: '\\b(lin_api_)[A-Za-z0-9]{20,}', keepPrefix: true },
  { name: 'Pulumi token', re: '\\b(pul-)[a-f0-9]{40}\\b', keepPrefix: true },
  { name: 'age secret key', re: '\\b(AGE-SECRET-KEY-1)[0-9A-Z]{40,}', keepPrefix: true },
  // JWTs (header.payload.signature, both base64url JSON objects).
  { name: 'JWT', re: '\\beyJ[A-Za-z0-9_-]{5,}\\.eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*', keepPrefix: false },
];
