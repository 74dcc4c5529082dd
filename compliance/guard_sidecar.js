// aws-cdk-lib's own CloudFormationValidatePlugin (the platform's Guard rules plus the default
// rules), in a Node process of its own: see guard_sidecar.py for why.
//
// argv: <aws-cdk-lib's cloudformation-validate-plugin.js> <rule source name> <Guard rules file>
// stdout, once the engine is built: {"ready": true, "version": ...}
// stdin, one line per request: {"stackTemplates": [{stackConstructPath, templatePath, accountId, region}]}
// stdout, one line per request: the plugin's report {success, violations}, or {"error": "..."}
"use strict";
const fs = require("fs");
const path = require("path");
const readline = require("readline");

const [pluginFile, ruleName, ruleFile] = process.argv.slice(2);
let plugin;
try {
  const { CloudFormationValidatePlugin } = require(path.resolve(pluginFile));
  plugin = new CloudFormationValidatePlugin({
    guardRules: [{ name: ruleName, content: fs.readFileSync(ruleFile, "utf-8") }],
    includeDefaultRules: true,
  });
} catch (error) {
  process.stdout.write(JSON.stringify({ error: `cannot build the validation engine: ${error.message}` }) + "\n");
  process.exit(1);
}
process.stdout.write(JSON.stringify({ ready: true, version: plugin.version ?? null }) + "\n");

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  let reply;
  try {
    const { stackTemplates } = JSON.parse(line);
    reply = plugin.validate({ stackTemplates, templatePaths: stackTemplates.map((s) => s.templatePath) });
  } catch (error) {
    reply = { error: String(error && error.message ? error.message : error).split("\n")[0] };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
