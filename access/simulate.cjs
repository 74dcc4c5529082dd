#!/usr/bin/env node
// Batch front end of @cloud-copilot/iam-simulate (AGPL-3.0, a development dependency: used by
// `make access` and the tests, never shipped with the platform).
//
//   node access/simulate.cjs < simulations.json > results.json
//
// stdin: a JSON array of iam-simulate `Simulation` objects. stdout: a JSON array, one entry per
// simulation, in order. Every simulation runs in strict mode (`runSimulation(sim, {})`), in this
// one process: starting Node and loading the IAM data once per journey would cost seconds.
// A simulation the library refuses is reported in its entry (resultType "error"); only a broken
// batch (bad JSON, not an array, the library missing) exits non-zero, with one line on stderr.
'use strict';

const SIMULATOR = '@cloud-copilot/iam-simulate';

function fail(message) {
  process.stderr.write(`simulate.cjs: ${message.split('\n')[0]}\n`);
  process.exit(1);
}

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', (chunk) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

// The policy kinds as the simulator names them, in the words the access table uses.
const POLICY_KINDS = { identity: 'identity', pb: 'boundary', resource: 'resource', vpce: 'endpoint', scp: 'scp', rcp: 'rcp', 's3-bpa': 's3-block-public-access' };

function statementOf(reason) {
  const entry = { policy: POLICY_KINDS[reason.policyType] || reason.policyType };
  if (reason.policyIdentifier !== undefined) entry.name = reason.policyIdentifier;
  if (reason.statementId !== undefined) entry.sid = reason.statementId;
  if (reason.statementIndex !== undefined) entry.index = reason.statementIndex;
  if (reason.denialType !== undefined) entry.explicit = reason.denialType === 'Explicit';
  return entry;
}

// A list given for a single-valued key is silently cut to its first element by the simulator:
// report it, so that a journey never passes on a value it did not mean.
async function contextErrors(simulator, simulation) {
  const errors = [];
  const context = (simulation.request && simulation.request.contextVariables) || {};
  for (const [key, value] of Object.entries(context)) {
    if (!Array.isArray(value)) continue;
    let keyType;
    try {
      keyType = await simulator.typeForContextKey(key);
    } catch {
      continue; // an unknown key: the simulator reports it among the ignored keys
    }
    if (!simulator.isConditionKeyArray(keyType) && value.length !== 1) {
      errors.push(`${key} takes one value (${keyType}), got a list of ${value.length}`);
    }
  }
  return errors;
}

function analysesOf(result) {
  if (result.resultType === 'single') return [result.result];
  if (result.resultType === 'wildcard') return result.results;
  return [];
}

async function runOne(simulator, simulation) {
  const result = await simulator.runSimulation(simulation, {});
  const entry = {
    resultType: result.resultType,
    overallResult: result.overallResult || null,
    errors: result.resultType === 'error' ? result.errors : null,
    ignoredContextKeys: [],
    contextErrors: await contextErrors(simulator, simulation),
    allow: [],
    deny: []
  };
  const ignored = new Set();
  for (const item of analysesOf(result)) {
    for (const key of item.ignoredContextKeys || []) ignored.add(key);
    for (const grant of simulator.getGrantReasons(item.analysis)) entry.allow.push(statementOf(grant));
    for (const denial of simulator.getDenialReasons(item.analysis)) entry.deny.push(statementOf(denial));
  }
  entry.ignoredContextKeys = [...ignored].sort();
  return entry;
}

async function main() {
  let simulator;
  try {
    simulator = require(SIMULATOR);
  } catch (error) {
    fail(`cannot load ${SIMULATOR} (run npm ci): ${error.message}`);
  }
  let batch;
  try {
    batch = JSON.parse(await readStdin());
  } catch (error) {
    fail(`stdin is not JSON: ${error.message}`);
  }
  if (!Array.isArray(batch)) fail('stdin must be a JSON array of simulations');
  const results = [];
  for (const [index, simulation] of batch.entries()) {
    if (simulation === null || typeof simulation !== 'object' || !simulation.request) {
      fail(`simulation ${index} is not an object with a request`);
    }
    try {
      results.push(await runOne(simulator, simulation));
    } catch (error) {
      // The library threw on this input: an error of this simulation, not of the batch.
      results.push({
        resultType: 'error',
        overallResult: null,
        errors: { message: `simulator raised: ${String(error && error.message ? error.message : error).split('\n')[0]}` },
        ignoredContextKeys: [],
        contextErrors: [],
        allow: [],
        deny: []
      });
    }
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((error) => fail(String(error && error.message ? error.message : error)));
