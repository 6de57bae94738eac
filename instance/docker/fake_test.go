package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/evernode-go/sdk/instance/internal/hp"
)

// fakeEngine is a small stateful Docker engine on a unix socket. Starting a
// container runs a node in-process over its bind-mounted contract directory,
// so the conformance suite runs against it.
type fakeEngine struct {
	socket string

	mu                 sync.Mutex
	version            string // what /_ping reports
	seen               []string
	containers         map[string]*fakeContainer
	fail               map[string]fakeFail // "METHOD /path" → scripted answer
	noStorageOpt       bool
	creates            []containerCreate
	nextID             int
	versionedPrefixErr string
}

type fakeFail struct {
	status  int
	message string
}

type fakeContainer struct {
	id    string
	name  string
	body  containerCreate
	state string
	node  hp.Node
}

func newFakeEngine(t *testing.T) *fakeEngine {
	t.Helper()
	dir, err := shortTempDir(t)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeEngine{socket: filepath.Join(dir, "docker.sock"), version: "1.45", containers: map[string]*fakeContainer{}, fail: map[string]fakeFail{}}
	ln, err := net.Listen("unix", f.socket)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: f}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, c := range f.containers {
			if c.node != nil {
				c.node.Close()
			}
		}
	})
	return f
}

// failNext makes the next request matching key ("POST /containers/create")
// fail with status and message.
func (f *fakeEngine) failNext(key string, status int, message string) {
	f.mu.Lock()
	f.fail[key] = fakeFail{status, message}
	f.mu.Unlock()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg})
}

func (f *fakeEngine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path := r.URL.Path
	if path == "/_ping" {
		if f.version != "" {
			w.Header().Set("Api-Version", f.version)
		}
		w.Write([]byte("OK"))
		return
	}
	want := "/v" + f.version + "/"
	if !strings.HasPrefix(path, want) {
		f.versionedPrefixErr = path
		writeErr(w, http.StatusBadRequest, "unexpected version prefix in "+path)
		return
	}
	path = strings.TrimPrefix(path, want[:len(want)-1])
	key := r.Method + " " + path
	f.seen = append(f.seen, key)
	if fl, ok := f.fail[key]; ok {
		delete(f.fail, key)
		writeErr(w, fl.status, fl.message)
		return
	}
	switch {
	case r.Method == http.MethodPost && path == "/containers/create":
		f.create(w, r)
	case r.Method == http.MethodGet && path == "/containers/json":
		f.list(w, r)
	case strings.HasPrefix(path, "/containers/"):
		rest := strings.TrimPrefix(path, "/containers/")
		name, op, _ := strings.Cut(rest, "/")
		c := f.containers[name]
		if c == nil {
			writeErr(w, http.StatusNotFound, "No such container: "+name)
			return
		}
		f.container(w, r, c, op)
	default:
		writeErr(w, http.StatusNotFound, "page not found")
	}
}

func (f *fakeEngine) create(w http.ResponseWriter, r *http.Request) {
	var body containerCreate
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeErr(w, http.StatusBadRequest, err.Error())
		return
	}
	name := r.URL.Query().Get("name")
	f.creates = append(f.creates, body)
	if _, ok := f.containers[name]; ok {
		writeErr(w, http.StatusConflict, fmt.Sprintf("Conflict. The container name \"/%s\" is already in use", name))
		return
	}
	if body.Image == "missing" {
		writeErr(w, http.StatusNotFound, "No such image: missing:latest")
		return
	}
	if f.noStorageOpt && body.HostConfig.StorageOpt != nil {
		writeErr(w, http.StatusInternalServerError, "--storage-opt is supported only for overlay over xfs with 'pquota' mount option")
		return
	}
	f.nextID++
	c := &fakeContainer{id: fmt.Sprintf("%064x", f.nextID), name: name, body: body, state: "created"}
	f.containers[name] = c
	writeJSON(w, http.StatusCreated, map[string]any{"Id": c.id, "Warnings": []string{}})
}

func (f *fakeEngine) list(w http.ResponseWriter, r *http.Request) {
	var filters map[string][]string
	json.Unmarshal([]byte(r.URL.Query().Get("filters")), &filters)
	out := []containerSummary{}
	for _, c := range f.containers {
		ok := true
		for _, l := range filters["label"] {
			k, v, _ := strings.Cut(l, "=")
			if got, has := c.body.Labels[k]; !has || got != v {
				ok = false
			}
		}
		if ok {
			out = append(out, containerSummary{ID: c.id, Names: []string{"/" + c.name}, Image: c.body.Image, State: c.state, Labels: c.body.Labels})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (f *fakeEngine) container(w http.ResponseWriter, r *http.Request, c *fakeContainer, op string) {
	switch {
	case r.Method == http.MethodGet && op == "json":
		var cj containerJSON
		cj.ID, cj.Name = c.id, "/"+c.name
		cj.State = containerState{Status: c.state, Running: c.state == "running"}
		cj.Config.Image, cj.Config.Labels = c.body.Image, c.body.Labels
		writeJSON(w, http.StatusOK, cj)
	case r.Method == http.MethodPost && op == "start":
		if c.state == "running" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if len(c.body.HostConfig.Mounts) != 1 {
			writeErr(w, http.StatusInternalServerError, "no contract mount")
			return
		}
		n, err := hp.Open(c.body.HostConfig.Mounts[0].Source, &hp.NodeOptions{ListenHost: "127.0.0.1"})
		if err == nil {
			err = n.Start(context.Background())
		}
		if err != nil {
			c.state = "exited"
			writeErr(w, http.StatusInternalServerError, "node: "+err.Error())
			return
		}
		c.node, c.state = n, "running"
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPost && op == "stop":
		if c.state != "running" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		c.node.Close()
		c.node, c.state = nil, "exited"
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodDelete && op == "":
		if c.node != nil {
			c.node.Close()
		}
		delete(f.containers, c.name)
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodGet && op == "logs":
		w.Write([]byte("node " + c.name + " started\r\n"))
	case r.Method == http.MethodGet && op == "stats":
		var s statsJSON
		s.CPUStats.CPUUsage.TotalUsage = 1500000
		s.MemoryStats.Usage = 4 << 20
		s.PidsStats.Current = 7
		writeJSON(w, http.StatusOK, s)
	default:
		writeErr(w, http.StatusNotFound, "page not found")
	}
}
