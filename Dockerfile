# The CRM Vitals runner image: `vitals runner` (and audit, digest, capture, readiness, rules) as one
# bundled file on a small Node 20 base, run as the unprivileged `node` user. No secret is baked in:
# the job signs in with its managed identity at run time (infra/runner.bicep, docs/install.md).
#
#   docker build -t crm-vitals-runner .
#   docker run --rm crm-vitals-runner runner --url https://contoso.crm.dynamics.com --managed-identity --client-id <id>

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY plugins-ts ./plugins-ts
COPY sandbox ./sandbox
COPY solution/src ./solution/src
RUN npx esbuild plugins-ts/cli/headless.ts --bundle --platform=node --target=node20 --outfile=/out/vitals.cjs --log-level=warning

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /out/vitals.cjs /app/vitals.cjs
USER node
ENTRYPOINT ["node", "/app/vitals.cjs"]
CMD ["runner", "--help"]
