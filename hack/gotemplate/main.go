// plumb-gotemplate renders batches of Go text/template templates with the Sprig function library, as Argo CD's
// ApplicationSet controller (goTemplate: true) and Argo CD Notifications do. hack/tools.sh builds it; plumb's
// src/template runs it once per batch.
//
// The request on stdin and the answer on stdout, JSON, one result per job in job order:
//
//	{"missingKey": "error"|"default"|"zero", "funcs": "appset"|"notifications",
//	 "jobTimeoutMs": 2000, "batchTimeoutMs": 10000, "jobs": [{"text": "...", "data": {...}}]}
//	{"results": [{"output": "..."} | {"error": "..."}]}
//
// A parse or execution error, a job running past jobTimeoutMs, or a job writing more than maxJobOutput is
// that job's error only; once the batch has written maxBatchOutput or run for batchTimeoutMs the remaining
// jobs are refused, each with its own error, and the results so far are still answered. A bad request is
// exit code 2 with the reason on stderr.
//
// The functions that can ask for unbounded memory in one call (repeat, until, untilStep, seq, the rand*
// strings) refuse sizes past maxItems / maxJobOutput instead: one template must not take the batch down.
//
// Functions: Sprig's TxtFuncMap without env, expandenv and getHostByName (a template learns nothing about
// the process's environment or the network), plus per funcs:
//
//	appset:        normalize, slugify, toYaml, fromYaml, fromYamlArray, tpl (Argo CD applicationset/utils)
//	notifications: the data gains .time (Now, Parse, the duration and layout constants) and .strings
//	               (ReplaceAll, ToUpper, ToLower), called as {{call .strings.ToUpper .x}} (Argo CD
//	               util/notification/expression).
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"text/template"
	"time"

	"github.com/Masterminds/sprig/v3"
	"github.com/gosimple/slug"
	"sigs.k8s.io/yaml"
)

const (
	maxJobOutput   = 1 << 20 // 1 MiB per template
	maxBatchOutput = 8 << 20 // 8 MiB per batch
	maxRequest     = 64 << 20
	maxItems       = 1_000_000 // elements in a list made by until/untilStep/seq
)

type job struct {
	Text string          `json:"text"`
	Data json.RawMessage `json:"data"`
}

type request struct {
	MissingKey     string `json:"missingKey"`
	Funcs          string `json:"funcs"`
	JobTimeoutMs   int    `json:"jobTimeoutMs"`
	BatchTimeoutMs int    `json:"batchTimeoutMs"`
	Jobs           []job  `json:"jobs"`
}

type result struct {
	Output *string `json:"output,omitempty"`
	Error  *string `json:"error,omitempty"`
}

// --- Argo CD ApplicationSet extras (applicationset/utils) ---

var invalidDNSNameChars = regexp.MustCompile("[^-a-z0-9.]")

// normalize: lower case, every character outside [-a-z0-9.] becomes '-', at most 253 bytes, no leading or
// trailing '-' or '.'.
func normalize(name string) string {
	name = strings.ToLower(name)
	name = invalidDNSNameChars.ReplaceAllString(name, "-")
	if len(name) > 253 {
		name = name[:253]
	}
	return strings.Trim(name, "-.")
}

// slugify [maxSize int] [smartTruncate bool] name: normalize, then gosimple/slug with a maximum length
// (default 50) and smart truncation (default on: a word is not cut in two). The last argument is the name.
func slugify(args ...any) (string, error) {
	maxSize, smart, name := 50, true, ""
	for i, arg := range args {
		var ok bool
		switch i {
		case len(args) - 1:
			name, ok = arg.(string)
			if !ok {
				return "", fmt.Errorf("slugify: the last argument must be the string to slugify, got %T", arg)
			}
		case 0:
			maxSize, ok = arg.(int)
			if !ok {
				return "", fmt.Errorf("slugify: the first argument must be the maximum length (an integer), got %T", arg)
			}
		case 1:
			smart, ok = arg.(bool)
			if !ok {
				return "", fmt.Errorf("slugify: the second argument must be whether to truncate smartly (true or false), got %T", arg)
			}
		default:
			return "", errors.New("slugify takes at most three arguments: [maxSize] [smartTruncate] name")
		}
	}
	slug.EnableSmartTruncate = smart
	slug.MaxLength = maxSize
	return slug.Make(normalize(name)), nil
}

func toYAML(v any) (string, error) {
	data, err := yaml.Marshal(v)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(data), "\n"), nil
}

func fromYAML(str string) (map[string]any, error) {
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(str), &m); err != nil {
		return nil, err
	}
	return m, nil
}

func fromYAMLArray(str string) ([]any, error) {
	a := []any{}
	if err := yaml.Unmarshal([]byte(str), &a); err != nil {
		return nil, err
	}
	return a, nil
}

// tpl renders a string as a template with the same functions and options (Argo CD's helm-like tpl);
// "<no value>" is dropped from its output as Argo CD does.
func tplFunc(parent *template.Template) func(string, any) (string, error) {
	return func(text string, vals any) (string, error) {
		t, err := parent.Clone()
		if err != nil {
			return "", fmt.Errorf("cannot clone template: %w", err)
		}
		t, err = t.New(parent.Name()).Parse(text)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", text, err)
		}
		var buf strings.Builder
		if err := t.Execute(&limited{w: &buf, left: maxJobOutput}, vals); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
}

// --- Argo CD Notifications helpers (util/notification/expression) ---

func parseRFC3339(timestamp string) (time.Time, error) {
	return time.Parse(time.RFC3339, timestamp)
}

var notificationHelpers = map[string]any{
	"time": map[string]any{
		"Parse": parseRFC3339, "Now": time.Now,
		"Nanosecond": time.Nanosecond, "Microsecond": time.Microsecond, "Millisecond": time.Millisecond,
		"Second": time.Second, "Minute": time.Minute, "Hour": time.Hour,
		"Layout": time.Layout, "ANSIC": time.ANSIC, "UnixDate": time.UnixDate, "RubyDate": time.RubyDate,
		"RFC822": time.RFC822, "RFC822Z": time.RFC822Z, "RFC850": time.RFC850, "RFC1123": time.RFC1123,
		"RFC1123Z": time.RFC1123Z, "RFC3339": time.RFC3339, "RFC3339Nano": time.RFC3339Nano,
		"Kitchen": time.Kitchen, "Stamp": time.Stamp, "StampMilli": time.StampMilli,
		"StampMicro": time.StampMicro, "StampNano": time.StampNano,
	},
	"strings": map[string]any{
		"ReplaceAll": strings.ReplaceAll, "ToUpper": strings.ToUpper, "ToLower": strings.ToLower,
	},
}

// --- rendering ---

var errTooLarge = errors.New("the template's output is larger than 1 MiB")

// limited is a writer that refuses to grow past its budget.
type limited struct {
	w    *strings.Builder
	left int
}

func (l *limited) Write(p []byte) (int, error) {
	if len(p) > l.left {
		return 0, errTooLarge
	}
	l.left -= len(p)
	return l.w.Write(p)
}

func funcMap(set string) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	delete(f, "getHostByName")
	bound(f)
	if set == "appset" {
		// A placeholder so templates calling tpl parse; render binds the real one to each template.
		f["tpl"] = func(string, any) (string, error) { return "", errors.New("tpl is not bound") }
		f["normalize"] = normalize
		f["slugify"] = slugify
		f["toYaml"] = toYAML
		f["fromYaml"] = fromYAML
		f["fromYamlArray"] = fromYAMLArray
	}
	return f
}

// bound replaces Sprig's functions whose output size is an argument by ones that refuse a size past the
// limits, with Sprig's own function doing the work.
func bound(f template.FuncMap) {
	repeat := f["repeat"].(func(int, string) string)
	f["repeat"] = func(count int, str string) (string, error) {
		if count > 0 && len(str) > 0 && count > maxJobOutput/len(str) {
			return "", fmt.Errorf("repeat: %d copies of %d bytes is more than a template may write (1 MiB)", count, len(str))
		}
		return repeat(count, str), nil
	}
	for _, name := range []string{"randAlphaNum", "randAlpha", "randAscii", "randNumeric"} {
		gen := f[name].(func(int) string)
		f[name] = func(count int) (string, error) {
			if count > maxJobOutput {
				return "", fmt.Errorf("%s: %d characters is more than a template may write (1 MiB)", name, count)
			}
			return gen(count), nil
		}
	}
	until := f["until"].(func(int) []int)
	f["until"] = func(count int) ([]int, error) {
		if count > maxItems || count < -maxItems {
			return nil, fmt.Errorf("until: %d elements is more than the %d a list may have", count, maxItems)
		}
		return until(count), nil
	}
	untilStep := f["untilStep"].(func(int, int, int) []int)
	f["untilStep"] = func(start, stop, step int) ([]int, error) {
		if step != 0 && (stop-start)/step > maxItems {
			return nil, fmt.Errorf("untilStep: more than the %d elements a list may have", maxItems)
		}
		return untilStep(start, stop, step), nil
	}
	seq := f["seq"].(func(...int) string)
	f["seq"] = func(params ...int) (string, error) {
		start, stop, step := 1, 0, 1
		switch len(params) {
		case 1:
			stop = params[0]
		case 2:
			start, stop = params[0], params[1]
			if stop < start {
				step = -1
			}
		case 3:
			start, step, stop = params[0], params[1], params[2]
		}
		if step != 0 && (stop-start)/step > maxItems {
			return "", fmt.Errorf("seq: more than the %d numbers a sequence may have", maxItems)
		}
		return seq(params...), nil
	}
}

// engine parses each distinct template text once per batch (ApplicationSets render the same field's text
// for every generated app) from a base that holds the functions and options, so a job costs a map copy and
// a parse, not the reflection over Sprig's ~200 functions that Funcs does. A parsed template is executed
// for many data values, which text/template allows. Only the main goroutine touches the cache.
type engine struct {
	base  *template.Template
	funcs string
	cache map[string]parsed
}

type parsed struct {
	t   *template.Template
	err error
}

func newEngine(req *request) *engine {
	base := template.New("").Funcs(funcMap(req.Funcs))
	if req.MissingKey != "" && req.MissingKey != "default" {
		base = base.Option("missingkey=" + req.MissingKey)
	}
	return &engine{base: base, funcs: req.Funcs, cache: map[string]parsed{}}
}

func (e *engine) parse(text string) (*template.Template, error) {
	if p, ok := e.cache[text]; ok {
		return p.t, p.err
	}
	t, err := e.base.Clone()
	if err == nil {
		t, err = t.Parse(text)
	}
	if err == nil && e.funcs == "appset" {
		t = t.Funcs(template.FuncMap{"tpl": tplFunc(t)})
	}
	e.cache[text] = parsed{t, err}
	return t, err
}

// decodeData reads a job's data as the Argo CD component would hold it. ApplicationSet parameters come from
// json.Unmarshal, so every number is a float64 (and prints as Go prints one: 1234567 → 1.234567e+06).
// Notifications see the Application as Kubernetes' unstructured JSON decoder makes it: integers are int64.
func decodeData(raw json.RawMessage, funcs string) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var data any
	if funcs != "notifications" {
		err := json.Unmarshal(raw, &data)
		return data, err
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&data); err != nil {
		return nil, err
	}
	return numbers(data), nil
}

// numbers turns json.Number into int64 when it is one, else float64, through maps and lists.
func numbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

func execute(t *template.Template, data any, funcs string) (string, error) {
	if funcs == "notifications" {
		if m, ok := data.(map[string]any); ok {
			for k, v := range notificationHelpers {
				m[k] = v
			}
		}
	}
	var out strings.Builder
	if err := t.Execute(&limited{w: &out, left: maxJobOutput}, data); err != nil {
		return "", err
	}
	return out.String(), nil
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "plumb-gotemplate: "+format+"\n", args...)
	os.Exit(2)
}

func main() {
	// A batch lives for well under a second and its memory is bounded by the request: collect less often.
	debug.SetGCPercent(400)
	var req request
	dec := json.NewDecoder(bufio.NewReader(&capped{r: os.Stdin, left: maxRequest}))
	if err := dec.Decode(&req); err != nil {
		fail("bad request on stdin: %v", err)
	}
	switch req.MissingKey {
	case "", "default", "error", "zero":
	default:
		fail("missingKey %q: expected error, default or zero", req.MissingKey)
	}
	switch req.Funcs {
	case "appset", "notifications":
	case "":
		req.Funcs = "appset"
	default:
		fail("funcs %q: expected appset or notifications", req.Funcs)
	}
	jobTimeout := time.Duration(req.JobTimeoutMs) * time.Millisecond
	if jobTimeout <= 0 {
		jobTimeout = 2 * time.Second
	}
	batchTimeout := time.Duration(req.BatchTimeoutMs) * time.Millisecond
	if batchTimeout <= 0 {
		batchTimeout = 10 * time.Second
	}
	deadline := time.Now().Add(batchTimeout)
	eng := newEngine(&req)
	results := make([]result, len(req.Jobs))
	written := 0
	for i, j := range req.Jobs {
		if written >= maxBatchOutput {
			msg := "not rendered: the batch's templates already wrote 8 MiB; render fewer templates at once"
			results[i] = result{Error: &msg}
			continue
		}
		left := time.Until(deadline)
		if left <= 0 {
			msg := fmt.Sprintf("not rendered: the batch ran out of its %d ms; render fewer or simpler templates at once", batchTimeout.Milliseconds())
			results[i] = result{Error: &msg}
			continue
		}
		limit := min(jobTimeout, left)
		t, err := eng.parse(j.Text)
		var data any
		if err == nil {
			data, err = decodeData(j.Data, req.Funcs)
		}
		if err != nil {
			msg := err.Error()
			results[i] = result{Error: &msg}
			continue
		}
		type outcome struct {
			out string
			err error
		}
		done := make(chan outcome, 1)
		go func() {
			defer func() {
				if r := recover(); r != nil {
					done <- outcome{err: fmt.Errorf("template panicked: %v", r)}
				}
			}()
			out, err := execute(t, data, req.Funcs)
			done <- outcome{out, err}
		}()
		timer := time.NewTimer(limit)
		select {
		case o := <-done:
			timer.Stop()
			if o.err != nil {
				msg := o.err.Error()
				results[i] = result{Error: &msg}
			} else {
				out := o.out
				written += len(out)
				results[i] = result{Output: &out}
			}
		case <-timer.C:
			// The goroutine cannot be stopped; it is abandoned and dies with the process.
			msg := fmt.Sprintf("the template ran longer than %d ms and was stopped", limit.Milliseconds())
			results[i] = result{Error: &msg}
		}
	}
	w := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]any{"results": results}); err != nil {
		fail("cannot write the answer: %v", err)
	}
	if err := w.Flush(); err != nil {
		fail("cannot write the answer: %v", err)
	}
	os.Exit(0)
}

// capped refuses a request larger than its budget instead of reading it all into memory.
type capped struct {
	r    *os.File
	left int
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, errors.New("the request is larger than 64 MiB")
	}
	if len(p) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= n
	return n, err
}
