package selection

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/plumbline/plumbline"
)

type tokenKind uint8

const (
	tokEOF    tokenKind = iota
	tokError            // a lexical error; always the last token
	tokWord             // an unquoted bare value (never a keyword)
	tokString           // a quoted bare value, unescaped
	tokAttr             // "name:"; text is the name as written
	tokValue            // the value after "name:" or "=", unescaped
	tokAnd
	tokOr
	tokNot
	tokLParen
	tokRParen
	tokPlus
	tokStar
	tokEqual
)

type token struct {
	kind tokenKind
	text string
	pos  int   // byte offset in the input
	err  error // for tokError
}

// lex splits src into tokens, ending with tokEOF, or with tokError at the first lexical
// error (so that the parser reports whichever error comes first). It is modal in one
// way: the token after "name:" or "=" is read as a value, which may contain ":" and,
// after "key:", "*".
func lex(src string) []token {
	var (
		toks      []token
		wantValue bool // the previous token was "name:" or "="
		star      bool // the wanted value is a key value
	)
	i := 0
	for {
		for i < len(src) {
			r, n := utf8.DecodeRuneInString(src[i:])
			if !unicode.IsSpace(r) {
				break
			}
			i += n
		}
		if i == len(src) {
			return append(toks, token{kind: tokEOF, pos: i})
		}
		if wantValue {
			wantValue = false
			if src[i] == '"' {
				text, end, err := lexQuoted(src, i)
				if err != nil {
					return append(toks, token{kind: tokError, pos: i, err: err})
				}
				toks = append(toks, token{kind: tokValue, text: text, pos: i})
				i = end
				continue
			}
			if end := scanValue(src, i, star); end > i {
				toks = append(toks, token{kind: tokValue, text: src[i:end], pos: i})
				i = end
				continue
			}
			// No value here: lex on, and let the parser say a value was expected.
		}
		switch c := src[i]; c {
		case '(', ')', '+', '*', '=':
			toks = append(toks, token{kind: punctuation[c], text: src[i : i+1], pos: i})
			i++
			wantValue, star = c == '=', false
		case '"':
			text, end, err := lexQuoted(src, i)
			if err != nil {
				return append(toks, token{kind: tokError, pos: i, err: err})
			}
			toks = append(toks, token{kind: tokString, text: text, pos: i})
			i = end
		default:
			end := scanValue(src, i, false)
			if end == i {
				r, _ := utf8.DecodeRuneInString(src[i:])
				err := syntaxError(src, i, "unexpected character %q", string(r))
				return append(toks, token{kind: tokError, pos: i, err: err})
			}
			word := src[i:end]
			if colon := strings.IndexByte(word, ':'); colon >= 0 {
				name := word[:colon]
				toks = append(toks, token{kind: tokAttr, text: name, pos: i})
				i += colon + 1
				wantValue, star = true, strings.ToLower(name) == attrKey
				continue
			}
			kind := tokWord
			switch strings.ToLower(word) {
			case "and":
				kind = tokAnd
			case "or":
				kind = tokOr
			case "not":
				kind = tokNot
			}
			toks = append(toks, token{kind: kind, text: word, pos: i})
			i = end
		}
	}
}

var punctuation = map[byte]tokenKind{
	'(': tokLParen, ')': tokRParen, '+': tokPlus, '*': tokStar, '=': tokEqual,
}

// lexQuoted reads the quoted string starting at src[start] (a '"'), returning its
// unescaped text and the offset after the closing quote.
func lexQuoted(src string, start int) (string, int, error) {
	var b strings.Builder
	for i := start + 1; i < len(src); i++ {
		switch c := src[i]; {
		case c == '"':
			return b.String(), i + 1, nil
		case c == '\\' && i+1 < len(src) && (src[i+1] == '"' || src[i+1] == '\\'):
			b.WriteByte(src[i+1])
			i++
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, syntaxError(src, start, "unterminated quoted string starting")
}

// syntaxError returns an EINVALID error for a problem at byte offset pos of src:
// "selection: <what> at column N", the column counted in characters from 1.
func syntaxError(src string, pos int, format string, args ...any) error {
	return plumbline.Errorf(plumbline.EINVALID, "selection: %s at column %d",
		fmt.Sprintf(format, args...), column(src, pos))
}

// column returns the 1-based character column of byte offset pos.
func column(src string, pos int) int {
	return utf8.RuneCountInString(src[:pos]) + 1
}
