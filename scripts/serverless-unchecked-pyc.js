'use strict';
// A local serverless plugin (serverless.yml's plugins): once the zip holds the
// service and its requirements, scripts/compile_artifact.py gives every module
// an unchecked-hash .pyc, so that a cold start neither compiles nor hashes any
// source. Listed after serverless-python-requirements,
// whose hook on the same event adds the requirements to the zip first.
const { execFileSync } = require('child_process');
const path = require('path');

class UncheckedPyc {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'after:package:createDeploymentArtifacts': () => this.compile() };
  }

  compile() {
    const service = this.serverless.service;
    // The Python 3.13 that ran pip for the requirements: its .pyc are for Lambda's python3.13.
    const python = service.custom.pythonRequirements.pythonBin;
    const script = path.join(this.serverless.serviceDir, 'scripts', 'compile_artifact.py');
    execFileSync(python, [script, service.package.artifact], { cwd: this.serverless.serviceDir, stdio: 'inherit' });
  }
}

module.exports = UncheckedPyc;
