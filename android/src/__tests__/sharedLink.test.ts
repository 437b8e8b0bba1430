import { describe, expect, it } from '@jest/globals';
import { findHfUrl, sharedHfUrl } from '../share/sharedLink';

describe('sharedHfUrl', () => {
  it('takes a bare URL', () => {
    expect(sharedHfUrl({ text: 'https://huggingface.co/gpt2/tiny', webUrl: null })).toBe('https://huggingface.co/gpt2/tiny');
    expect(sharedHfUrl({ text: '  https://www.huggingface.co/gpt2/tiny/tree/main/onnx\n' })).toBe('https://www.huggingface.co/gpt2/tiny/tree/main/onnx');
  });

  it('takes the URL out of "title\\nURL"', () => {
    expect(sharedHfUrl({ text: 'gpt2/tiny · Hugging Face\nhttps://huggingface.co/a/b', webUrl: null })).toBe('https://huggingface.co/a/b');
  });

  it('takes an hf.co short link', () => {
    expect(sharedHfUrl({ text: 'look at http://hf.co/a/b?x=1.' })).toBe('http://hf.co/a/b?x=1');
  });

  it('returns null when there is no Hugging Face link', () => {
    expect(sharedHfUrl({ text: 'just some text', webUrl: null })).toBeNull();
    expect(sharedHfUrl({ text: 'https://example.com/huggingface.co/a/b', webUrl: 'https://example.com/huggingface.co/a/b' })).toBeNull();
    expect(sharedHfUrl({ text: 'https://hf.company.com/a/b https://huggingface.co.evil.test/a/b' })).toBeNull();
    expect(sharedHfUrl({ text: 'https://huggingface.co/' })).toBeNull();
    expect(sharedHfUrl({ text: null, webUrl: null })).toBeNull();
    expect(sharedHfUrl({})).toBeNull();
  });

  it('prefers webUrl, and falls back to the text when webUrl is not a Hugging Face link', () => {
    expect(sharedHfUrl({ webUrl: 'https://huggingface.co/web/url', text: 'x\nhttps://huggingface.co/text/url' })).toBe('https://huggingface.co/web/url');
    expect(sharedHfUrl({ webUrl: 'https://example.com/', text: 'see https://example.com/ and https://hf.co/a/b' })).toBe('https://hf.co/a/b');
  });

  it('findHfUrl strips punctuation stuck to the end', () => {
    expect(findHfUrl('(https://huggingface.co/a/b/blob/main/README.md),')).toBe('https://huggingface.co/a/b/blob/main/README.md');
  });
});
