// EAS's own SDK (@ethereum-attestation-service/eas-sdk, with its ethers) on Ante's feedback, for
// tests/test_eas_sdk.py: reads one JSON request on stdin, writes one JSON answer on stdout.
//
//   {"op": "sign", "privateKey", "domain": {"chainId", "eas", "version"}, "schema", "recipient", "time",
//    "feedback": {"ante", "challengeId", "deliverable", "stance", "comment", "commentHash"}}
//     -> {"schemaUid", "data", "package": {"sig": <signOffchainAttestation's answer>, "signer"}}
//   {"op": "verify", "domain": {...}, "package": {"sig", "signer"}}
//     -> {"valid": <verifyOffchainAttestationSignature's answer>, "error": <what it threw, if it did>}
'use strict';

const { Offchain, OffchainAttestationVersion, SchemaEncoder, SchemaRegistry, ZERO_ADDRESS, ZERO_BYTES32 } =
  require('@ethereum-attestation-service/eas-sdk');
// The SDK's own ethers (v6), whichever copy npm gave it: the top-level `ethers` may be another major
// version, such as the v5 that Safe's contracts package asks for.
const { Wallet } = require(require.resolve('ethers', {
  paths: [require.resolve('@ethereum-attestation-service/eas-sdk')],
}));

function offchain(domain) {
  const config = { address: domain.eas, version: domain.version, chainId: BigInt(domain.chainId) };
  return new Offchain(config, OffchainAttestationVersion.Version2, null);
}

async function sign(request) {
  const f = request.feedback;
  const data = new SchemaEncoder(request.schema).encodeData([
    { name: 'ante', value: f.ante, type: 'address' },
    { name: 'challengeId', value: BigInt(f.challengeId), type: 'uint256' },
    { name: 'deliverable', value: f.deliverable, type: 'bytes32' },
    { name: 'stance', value: f.stance, type: 'int8' },
    { name: 'comment', value: f.comment, type: 'string' },
    { name: 'commentHash', value: f.commentHash, type: 'bytes32' },
  ]);
  const schemaUid = SchemaRegistry.getSchemaUID(request.schema, ZERO_ADDRESS, true);
  const wallet = new Wallet(request.privateKey);
  const sig = await offchain(request.domain).signOffchainAttestation({
    schema: schemaUid, recipient: request.recipient, time: BigInt(request.time), expirationTime: 0n,
    revocable: true, refUID: ZERO_BYTES32, data,
  }, wallet);
  return { schemaUid, data, package: { sig, signer: wallet.address } };
}

function verify(request) {
  try {
    return { valid: offchain(request.domain).verifyOffchainAttestationSignature(request.package.signer,
                                                                                 request.package.sig) };
  } catch (error) {
    return { valid: false, error: error.constructor.name + (error.message ? ': ' + error.message : '') };
  }
}

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const answer = request.op === 'sign' ? await sign(request) : verify(request);
  process.stdout.write(JSON.stringify(answer, (_, value) => (typeof value === 'bigint' ? value.toString() : value)));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack || error) + '\n');
  process.exit(1);
});
