#!/usr/bin/env bash
# Re-runs the MiniStack survey behind docs/LOCAL-ENGINE.md from a scratch directory outside the repo.
#   bash scripts/engine/probe/run.sh [scratch-dir]      (default /tmp/ms-probe)
# Starts the engine (if needed), bootstraps, deploys the probe stack, reads it back, runs the data-path
# checks (about 3 minutes), and leaves the engine running (stop: npx tsx scripts/engine/cli.ts stop).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../../.." && pwd)"
DIR="${1:-/tmp/ms-probe}"
mkdir -p "$DIR"
cp "$REPO"/scripts/engine/probe/{app,handlers,readback,survey}.ts "$DIR"/
cd "$DIR"
[ -f package.json ] || echo '{ "name": "ms-probe", "private": true, "type": "module" }' > package.json
echo '{ "app": "npx tsx app.ts" }' > cdk.json
[ -d node_modules/aws-cdk-lib ] || npm install --no-audit --no-fund aws-cdk-lib@2.276.0 constructs@10.8.1 aws-cdk@2.1148.1 \
  esbuild@0.28.2 tsx@4.23.15 @types/aws-lambda @aws-sdk/client-{dynamodb,sqs,eventbridge,cloudformation,cloudwatch,lambda,sns,apigatewayv2}
(cd "$REPO" && npx tsx scripts/engine/cli.ts start)
eval "$(cd "$REPO" && npx tsx scripts/engine/cli.ts env)"
time npx cdk bootstrap "aws://000000000000/us-east-1"
time npx cdk deploy --require-approval never --outputs-file outputs.json
npx tsx readback.ts > readback.json && echo "read-back: $DIR/readback.json"
npx tsx survey.ts | tee survey.jsonl
