import test from 'ava';
import { getAnalyzer, knownAnalyzers, normalize } from '../framework/index/analyzers/registry.ts';
import { scanSingleWS } from '../framework/index/analyzers/singlews.ts';

const simple = getAnalyzer('simple_analyzer');
const singlews = getAnalyzer('singlews_analyzer');
const jieba = getAnalyzer('jieba_analyzer');

// ---- normalisation ----

test('normalize: full-width ASCII → half-width, ASCII lower-cased, U+3000 → space', (t) => {
  t.is(normalize('ＡＢＣ１２３'), 'abc123');
  t.is(normalize('Hello 世界ABC'), 'hello 世界abc');
  t.is(normalize('ｈｅｌｌｏ\u3000ＷＯＲＬＤ！～'), 'hello world!~');
  t.is(normalize('\uff01\uff5e'), '!~'); // both ends of the full-width block
  t.is(normalize('\uff00\uff5f'), '\uff00\uff5f'); // just outside it
});

test('normalize: traditional/simplified and non-ASCII case kept as is', (t) => {
  t.is(normalize('繁體中文 简体中文'), '繁體中文 简体中文');
  t.is(normalize('ÉΣП'), 'ÉΣП'); // Havenask's table lower-cases ASCII A-Z only
  const s = '阿里巴巴集团';
  t.is(normalize(s), s);
});

// ---- simple_analyzer ----

test('simple_analyzer: splits on one space only; Chinese without spaces is one term', (t) => {
  t.deepEqual(simple.tokenize('阿里巴巴集团'), ['阿里巴巴集团']);
  t.deepEqual(simple.tokenize('蚂蚁集团'), ['蚂蚁集团']);
  t.deepEqual(simple.tokenize('Hello 世界ABC'), ['hello', '世界abc']);
  t.deepEqual(simple.tokenize('ＡＢＣ１２３'), ['abc123']);
  t.deepEqual(simple.tokenize('  a  b '), ['a', 'b']);
  t.deepEqual(simple.tokenize('a\u3000b'), ['a', 'b']); // ideographic space is a space after normalising
  t.deepEqual(simple.tokenize('a\tb c,d'), ['a\tb', 'c,d']); // tabs and punctuation do not split
  t.deepEqual(simple.tokenize('x \t y'), ['x', 'y']); // a lone whitespace piece is not a term
  t.deepEqual(simple.tokenize(''), []);
});

test('simple_analyzer: eachTerm gives the ranges of exactly the terms tokenize gives', (t) => {
  const texts = ['阿里巴巴集团', 'Hello 世界ABC', 'ＡＢＣ１２３', '  a  b ', 'a\u3000b', 'a\tb c,d', 'x \t y', '', ' ', '\t', 'a', 'A B  C\n d\r'];
  for (const text of texts) {
    const ranges: string[] = [];
    simple.eachTerm!(text, (s, start, end) => ranges.push(s.slice(start, end)));
    t.deepEqual(ranges, simple.tokenize(text), JSON.stringify(text));
  }
  t.deepEqual(simple.tokenize('A B  C\n d\r'), ['a', 'b', 'c\n', 'd\r']);
  t.deepEqual(simple.tokenize(' '), []);
  t.deepEqual(simple.tokenize('\t'), []);
});

test('simple_analyzer: rt.data titles/subjects are single terms (MATCHINDEX(default, 阿里巴巴集团) matches)', (t) => {
  for (const title of ['阿里巴巴集团', '蚂蚁集团']) t.deepEqual(simple.tokenize(title), [title]);
  t.deepEqual(simple.tokenize('open source的搜索软件搭建'), ['open', 'source的搜索软件搭建']);
});

// ---- singlews_analyzer ----

test('singlews_analyzer: every CJK character is a term, letter and digit runs are terms', (t) => {
  t.deepEqual(singlews.tokenize('阿里巴巴集团'), ['阿', '里', '巴', '巴', '集', '团']);
  t.deepEqual(singlews.tokenize('Hello 世界ABC'), ['hello', '世', '界', 'abc']);
  t.deepEqual(singlews.tokenize('ＡＢＣ１２３'), ['abc', '123']);
  t.deepEqual(singlews.tokenize('测试中文'), ['测', '试', '中', '文']);
  t.deepEqual(singlews.tokenize('こんにちは 한국'), ['こ', 'ん', 'に', 'ち', 'は', '한', '국']);
  t.deepEqual(singlews.tokenize('𠀀𠀁'), ['𠀀', '𠀁']); // CJK extension B: one term per code point
  t.deepEqual(singlews.tokenize(''), []);
});

test('singlews_analyzer: punctuation and spaces only separate', (t) => {
  t.deepEqual(singlews.tokenize(' 包含符号，的中文word）（  ，半角\u3000a'), [
    '包', '含', '符', '号', '的', '中', '文', 'word', '半', '角', 'a',
  ]);
  t.deepEqual(singlews.tokenize("this's an English sentence. Sentence1, 2, [word]. anti-spam"), [
    "this's", 'an', 'english', 'sentence', 'sentence', '1', '2', 'word', 'anti', 'spam',
  ]);
  t.deepEqual(singlews.tokenize('?a123*?+b*淘32f5*tp-link路由器'), [
    'a', '123', '+b', '淘', '32', 'f', '5', 'tp', 'link', '路', '由', '器',
  ]);
});

test('singlews_analyzer: Havenask scanner rules for numbers, & + \' runs and HTML entities', (t) => {
  t.deepEqual(singlews.tokenize('1.2/3.4.5/6/7'), ['1.2', '3.4', '5/6', '7']);
  t.deepEqual(singlews.tokenize('（1.2x1.8米）1/2 2/ /2'), ['1.2', 'x', '1.8', '米', '1/2', '2', '2']);
  t.deepEqual(singlews.tokenize('c++ ++c c＋c ｃ＋＋　＋＋ｃ'), ['c++', '++c', 'c+c', 'c++', '++c']);
  t.deepEqual(singlews.tokenize('d&amp;g &nbsp; a;b&lt;1中&gt;文'), ['d&amp;g', '&nbsp;', 'a', 'b&lt;', '1', '中', '&gt;', '文']);
  t.deepEqual(singlews.tokenize('8++9'), ['8', '9']); // "++" alone is a stop word
  t.deepEqual(scanSingleWS('a++++&&2&&&'), [
    { text: 'a++++&&', stop: false }, { text: '2', stop: false }, { text: '&&&', stop: true },
  ]);
});

// ---- jieba_analyzer ----

test('jieba_analyzer: dictionary segmentation', (t) => {
  t.deepEqual(jieba.tokenize('搜索词典'), ['搜索', '词典']);
  t.deepEqual(jieba.tokenize('阿里巴巴集团'), ['阿里巴巴', '集团']);
  t.deepEqual(jieba.tokenize('蚂蚁集团'), ['蚂蚁', '集团']);
  t.deepEqual(jieba.tokenize('他来到了网易杭研大厦'), ['他', '来到', '了', '网易', '杭研', '大厦']); // HMM on
});

test('jieba_analyzer: normalises first, drops whitespace and punctuation', (t) => {
  t.deepEqual(jieba.tokenize('Hello 世界ABC'), ['hello', '世界', 'abc']);
  t.deepEqual(jieba.tokenize('ＡＢＣ１２３'), ['abc123']);
  t.deepEqual(jieba.tokenize('专业词典：用户可配置专属的专用词词典。'), [
    '专业', '词典', '用户', '可', '配置', '专属', '的', '专用词', '词典',
  ]);
  t.deepEqual(jieba.tokenize('open source的搜索软件，性能'), ['open', 'source', '的', '搜索', '软件', '性能']);
  t.deepEqual(jieba.tokenize(''), []);
  t.deepEqual(jieba.tokenize(' ，。 '), []);
});

// ---- every analyzer ----

test('no analyzer returns empty or separator-only terms', (t) => {
  const text = ' 广大中小企业都有各种结构化的数据需要进行检索，目前一般采用数据库本身提供的搜索功能或者利用open source的搜索软件搭建。\t\n';
  for (const a of [simple, singlews, jieba]) {
    for (const term of a.tokenize(text)) {
      t.not(term, '', a.name);
      t.notRegex(term, /^[\p{Z}\p{P}\s]+$/u, a.name);
    }
  }
});

// ---- registry ----

test('registry: known names; an unknown name is an error naming it and the known ones', (t) => {
  t.deepEqual(knownAnalyzers(), ['jieba_analyzer', 'simple_analyzer', 'singlews_analyzer']);
  for (const name of knownAnalyzers()) t.is(getAnalyzer(name).name, name);
  t.is(getAnalyzer('jieba_analyzer'), jieba); // one instance per name
  const err = t.throws(() => getAnalyzer('ik_analyzer'));
  t.regex(err.message, /unknown analyzer "ik_analyzer"/);
  t.regex(err.message, /jieba_analyzer, simple_analyzer, singlews_analyzer/);
  t.throws(() => getAnalyzer('Simple_Analyzer'), { message: /unknown analyzer/ });
});
