/**
 * N15: Python regexes on non-ASCII text, through ansible-playbook (2.14) and nodemend on node23 (paths
 * /tmp/nmdiff-h25re-*). A str pattern (the regex filters and the match/search tests on the controller,
 * replace on the host) is Unicode-aware in Python 3: \w \d \s \b and (?i) know é, ß, Cyrillic and '٣'.
 * lineinfile and blockinfile compile to_bytes(regexp): a bytes pattern on the file's UTF-8 bytes, so
 * there \w is ASCII, `.` is one byte and (?i) folds ASCII letters only. Compared on files, registered
 * results and changed flags in check, run and rerun.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { itsSameAsAnsible } from '../setup/differential-same.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'h25re');

const TEXT = 'Grüße Привет ٣٤ straße\nÉCOLE école ſ\nword_1 tab\there\n';

const filters = d.case('regex filters and tests on non-ASCII text', {
  vars: { s: 'Grüße Привет ٣٤ straße ÉCOLE école ſ' },
  tasks: `
    - name: filters
      set_fact:
        words: "{{ s | regex_findall('\\\\w+') }}"
        digits: "{{ s | regex_findall('\\\\d') }}"
        bounded: "{{ s | regex_replace('\\\\bП', 'X') }}"
        nonword: "{{ 'é-x' | regex_replace('\\\\W', '_') }}"
        folded: "{{ s | regex_search('(?i)привет') }}"
        folded_opt: "{{ s | regex_findall('école', ignorecase=true) }}"
        tests: "{{ [s is search('(?i)STRASSE'), 'ſ' is match('(?i)s'), 'x٣' is match('x\\\\d'), 'ÉCOLE' is search('école', ignorecase=true), s is search('\\\\s٣')] }}"
      register: r_filters
    - name: write them
      copy:
        content: "{{ [words, digits, bounded, nonword, folded, folded_opt, tests] | to_json }}\\n"
        dest: "{{ dir }}/filters"
  `,
});

const replace = d.case('replace: \\w \\d \\b and (?i) on the file text', {
  files: { t: TEXT },
  tasks: `
    - name: words
      replace: { path: "{{ dir }}/t", regexp: '\\b(\\w)(\\w*)\\b', replace: '\\2\\1' }
      register: r_words
    - name: digits
      replace: { path: "{{ dir }}/t", regexp: '\\d', replace: 'N' }
      register: r_digits
    - name: folded
      replace: { path: "{{ dir }}/t", regexp: '(?i)ÉCOLE', replace: 'school' }
      register: r_folded
  `,
});

const lines = d.case('lineinfile and blockinfile: byte patterns on UTF-8 lines', {
  files: { l: 'é=1\nGrüße\nÉCOLE=old\nkey=1\n', b: 'été\nzone\n' },
  tasks: `
    - name: a word key is ASCII
      lineinfile: { path: "{{ dir }}/l", regexp: '^\\w+=', line: 'matched=word' }
      register: l_word
    - name: dot is a byte
      lineinfile: { path: "{{ dir }}/l", regexp: '^.{5}$', line: 'five' }
      register: l_dot
    - name: ignorecase folds ASCII only
      lineinfile: { path: "{{ dir }}/l", regexp: '(?i)^école=', line: 'école=new' }
      register: l_fold
    - name: backrefs keep the text
      lineinfile: { path: "{{ dir }}/l", regexp: '^(Gr..)(ße)$', line: '\\2\\1', backrefs: true }
      register: l_backrefs
    - name: insertafter a byte pattern
      blockinfile: { path: "{{ dir }}/b", insertafter: '^\\w+$', block: 'inserted' }
      register: b_after
  `,
});

beforeAll(() => d.run(), 900_000);

describe.each(MODES)('%s', (mode) => {
  itsSameAsAnsible(mode, [filters, replace, lines], { registered: { keys: ['changed', 'failed', 'msg', 'ansible_facts'] } });
  it('the filters saw Unicode words and digits, as Python 3', () => {
    if (mode === 'check') return;
    const f = filters.nodemend[mode].files.filters;
    expect(f && 'content' in f && JSON.parse(f.content!)[1]).toEqual(['٣', '٤']);
  });
});
