package fastjson

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

// seeds are JSON texts, valid and not, that the fuzz targets start from.
var seeds = []string{
	``, ` `, `null`, `true`, `false`, `nul`, `0`, `-0`, `01`, `1.`, `1.5e+3`, `-1E-2`, `1e`, `-`, `.5`,
	`""`, `"a\"b\\c\/d\b\f\n\r\t\u00e9\u2028"`, `"\x"`, `"\u12"`, "\"\x01\"", "\"\xff\xfe\"", `"é"`,
	`{}`, `{ }`, `[]`, `[1, 2 ,3]`, `[1,]`, `{"a":1,}`, `{"a" : {"b": [true, null, "x"]}, "c": -1.25}`,
	`{"a":1}{`, `[[[[[]]]]]`, `{"a":1 "b":2}`, `{"raw_value": 1, "type": "int"}`, "\t{\n\"k\" :\r[ ]\n}\n",
	`"<>&\u003c"`, `{"a":"` + strings.Repeat("x", 40) + `"}`, strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
}

func FuzzValid(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := Valid(data), json.Valid(data); got != want {
			t.Fatalf("Valid(%q) = %v, json.Valid says %v", data, got, want)
		}
	})
}

// FuzzReadValid checks the readers of valid JSON against encoding/json: compacting,
// unquoting, and splitting objects and arrays into their members.
func FuzzReadValid(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		var want bytes.Buffer
		if err := json.Compact(&want, data); err != nil {
			t.Fatal(err)
		}
		if got := AppendCompact(nil, data); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("AppendCompact(%q) = %q, json.Compact gives %q", data, got, want.Bytes())
		}
		if HasSpace(data) != (want.Len() != len(data)) {
			t.Fatalf("HasSpace(%q) = %v", data, HasSpace(data))
		}
		v := bytes.TrimSpace(data)
		if end := ValueEnd(v, 0); end != len(v) {
			t.Fatalf("ValueEnd(%q) = %d, want %d", v, end, len(v))
		}
		switch v[0] {
		case '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				t.Fatal(err)
			}
			if got := Unquote(v); got != s {
				t.Fatalf("Unquote(%q) = %q, want %q", v, got, s)
			}
			if got := UnquoteIn("x"+string(v), 1, v); got != s {
				t.Fatalf("UnquoteIn(%q) = %q, want %q", v, got, s)
			}
		case '{':
			var want map[string]json.RawMessage
			if err := json.Unmarshal(v, &want); err != nil {
				t.Fatal(err)
			}
			got := map[string]json.RawMessage{}
			Members(v, func(k, val []byte) bool {
				got[Unquote(k)] = val
				return true
			})
			if len(got) != len(want) {
				t.Fatalf("Members(%q): %d keys, want %d", v, len(got), len(want))
			}
			for k, w := range want {
				if !bytes.Equal(got[k], w) {
					t.Fatalf("Members(%q)[%q] = %q, want %q", v, k, got[k], w)
				}
			}
		case '[':
			var want []json.RawMessage
			if err := json.Unmarshal(v, &want); err != nil {
				t.Fatal(err)
			}
			var got []json.RawMessage
			Elements(v, func(val []byte) bool {
				got = append(got, val)
				return true
			})
			if len(got) != len(want) {
				t.Fatalf("Elements(%q): %d, want %d", v, len(got), len(want))
			}
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Fatalf("Elements(%q)[%d] = %q, want %q", v, i, got[i], want[i])
				}
			}
		}
	})
}

func encodeRef(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n"), err
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "a\"b\\c", "\x00\x01\b\f\n\r\t\x1f\x7f", "<>&", "é\u2028\u2029x", "\xff\xfe", "a\xe2\x80", "😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := encodeRef(s)
		if got := string(AppendString(nil, s)); got != want {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}

// FuzzAppendValue checks AppendValue against encoding/json on what encoding/json decodes
// JSON into with UseNumber (as GraphQL variables arrive), and on a few other types.
func FuzzAppendValue(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			return
		}
		want, werr := encodeRef(v)
		got, err := AppendValue([]byte("x"), v)
		if (err != nil) != (werr != nil) || err == nil && string(got) != "x"+want {
			t.Fatalf("AppendValue(%#v) = %s, %v; want %s, %v", v, got, err, want, werr)
		}
	})
}

func TestAppendValueOtherTypes(t *testing.T) {
	for _, v := range []any{
		json.Number(""), json.Number("12"), json.Number("1e5"), json.Number("x1"), json.Number("01"),
		int64(-3), 7, 1.5, 1e21, 1e-7, float32(0.1), math.NaN(), math.Inf(1), []any(nil), map[string]any(nil),
		[]any{1.0, "<a&b>", map[string]any{"z": nil, "a": []string{"x"}}}, map[string]any{"b": uint8(3), "a": struct{ X int }{1}},
		map[string]any{"k": make(chan int)}, []any{json.Number("bad")},
	} {
		want, werr := encodeRef(v)
		got, err := AppendValue(nil, v)
		if (err != nil) != (werr != nil) || err == nil && string(got) != want || err != nil && err.Error() != werr.Error() {
			t.Errorf("AppendValue(%#v) = %s, %v; want %s, %v", v, got, err, want, werr)
		}
	}
}

func TestValidNumber(t *testing.T) {
	for s, want := range map[string]bool{"0": true, "-0": true, "01": false, "1.": false, "1.0": true, "1e5": true,
		"1E+5": true, "1e": false, "-": false, "": false, ".1": false, "12a": false, "-1.5e-3": true} {
		if got := ValidNumber(s); got != want {
			t.Errorf("ValidNumber(%q) = %v, want %v", s, got, want)
		}
	}
}

// FuzzDecoder checks Decoder against json.Decoder with UseNumber: the same value for
// every valid input, and a failure for every invalid one.
func FuzzDecoder(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"a": {"b": 1}, "a": [1, "x", {"c": null}], "k": "v", "k2": "v"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var d Decoder
		got, end, ok := d.Value(data, 0)
		whole := ok && SkipSpace(data, end) == len(data)
		if !json.Valid(data) {
			if whole {
				t.Fatalf("Decoder accepts invalid %q", data)
			}
			return
		}
		if !whole {
			t.Fatalf("Decoder rejects valid %q", data)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var want any
		if err := dec.Decode(&want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Decoder(%q) = %#v, want %#v", data, got, want)
		}
	})
}

func FuzzWriteCompactHTMLEscaped(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"a": "<b> & \u2028", "c": ["\u2029 \" \\ <"]}`))
	f.Add([]byte("\"a\xe2\x80\xa8b\xe2\x80\xa9c\xe2\x80\""))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		want, err := json.Marshal(json.RawMessage(data))
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := WriteCompactHTMLEscaped(&got, data); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("WriteCompactHTMLEscaped(%q) = %q, json.Marshal gives %q", data, got.Bytes(), want)
		}
	})
}
