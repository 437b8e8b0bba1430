import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hfCliEnv } from '../src/jobs/hf-cli-env.ts';

const parent = {
  PATH: '/usr/bin',
  HOME: '/home/u',
  HF_HUB_OFFLINE: '1',
  HF_HUB_ENABLE_HF_TRANSFER: '1',
  HF_TOKEN: 'hf_someone_else',
  HF_TOKEN_PATH: '/home/u/.token',
  HUGGING_FACE_HUB_TOKEN: 'hf_legacy',
  HF_ENDPOINT: 'https://elsewhere.example',
};

test('hf gets D011DL settings, none of the parent HF settings', () => {
  const env = hfCliEnv({ endpoint: 'http://127.0.0.1:9', hfHome: '/data/hf-home', base: parent });
  assert.equal(env.PATH, '/usr/bin');
  assert.equal(env.HOME, '/home/u');
  assert.equal(env.HF_ENDPOINT, 'http://127.0.0.1:9');
  assert.equal(env.HF_HOME, '/data/hf-home');
  for (const k of ['HF_HUB_OFFLINE', 'HF_HUB_ENABLE_HF_TRANSFER', 'HF_TOKEN', 'HF_TOKEN_PATH', 'HUGGING_FACE_HUB_TOKEN']) assert.equal(env[k], undefined, k);
  assert.equal(env.HF_HUB_DISABLE_IMPLICIT_TOKEN, '1');
  assert.equal(env.HF_HUB_DISABLE_XET, '1');
});

test('the configured token is passed, and then may be sent', () => {
  const env = hfCliEnv({ endpoint: 'https://huggingface.co', hfHome: '/h', token: 'hf_server', base: parent });
  assert.equal(env.HF_TOKEN, 'hf_server');
  assert.equal(env.HF_HUB_DISABLE_IMPLICIT_TOKEN, undefined);
});
