import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basicExecutionPolicyArn, checkRoleArn, checkRoleChoice, isRolePropagationError, retryWhileRolePropagates } from '../../src/aws/executionRole';

function propagationError(): Error {
  return Object.assign(new Error('The role defined for the function cannot be assumed by Lambda.'), { name: 'InvalidParameterValueException' });
}

test('CreateFunction is retried with growing waits while the new role propagates', async () => {
  const waits: number[] = [];
  let calls = 0;
  const result = await retryWhileRolePropagates(
    async () => {
      calls++;
      if (calls < 4) throw propagationError();
      return 'created';
    },
    { sleep: async (ms) => void waits.push(ms) },
  );
  assert.equal(result, 'created');
  assert.equal(calls, 4);
  assert.deepEqual(waits, [1000, 2000, 4000]);
});

test('the retry is bounded and then says what to do', async () => {
  let calls = 0;
  await assert.rejects(
    retryWhileRolePropagates(
      async () => {
        calls++;
        throw propagationError();
      },
      { maxAttempts: 3, sleep: async () => {} },
    ),
    /still cannot assume the execution role after 3 attempts.*trust policy/,
  );
  assert.equal(calls, 3);
});

test('other errors are not retried', async () => {
  let calls = 0;
  const other = Object.assign(new Error('Memory size 100 is invalid'), { name: 'InvalidParameterValueException' });
  await assert.rejects(
    retryWhileRolePropagates(async () => {
      calls++;
      throw other;
    }),
    (error) => error === other,
  );
  assert.equal(calls, 1);
  assert.equal(isRolePropagationError(other), false);
});

test('role ARNs are checked before anything is deployed', () => {
  assert.equal(checkRoleArn(' arn:aws:iam::123456789012:role/service-role/my-role '), 'arn:aws:iam::123456789012:role/service-role/my-role');
  assert.throws(() => checkRoleArn('my-role'), /not an IAM role ARN/);
  assert.throws(() => checkRoleChoice({}, false), /--role <arn>.*--create-role/);
  assert.throws(() => checkRoleChoice({ roleArn: 'arn:aws:iam::123456789012:role/x', createRole: true }, false), /either/);
  assert.doesNotThrow(() => checkRoleChoice({}, true));
});

test("the basic execution policy is in the role's partition", () => {
  assert.equal(basicExecutionPolicyArn('arn:aws-cn:iam::123456789012:role/x'), 'arn:aws-cn:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole');
  assert.equal(basicExecutionPolicyArn(), 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole');
});
