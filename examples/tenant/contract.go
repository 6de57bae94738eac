package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/evernode-go/sdk/contract"
)

func (a *app) upload(ctx context.Context, fs *flag.FlagSet, args []string) error {
	nf := addNodeFlags(fs)
	var cfg contract.Config
	fs.StringVar(&cfg.BinPath, "bin-path", "", "the contract program, relative to DIR (required)")
	fs.StringVar(&cfg.BinArgs, "bin-args", "", "the program's arguments")
	offset := fs.Uint64("max-ledger-offset", contract.DefaultMaxLedgerOffset, "the upload must be in a ledger at most this many rounds ahead (the node's contract.max_input_ledger_offset caps it)")
	if err := parse(fs, args, 1, 1); err != nil {
		return err
	}
	dir := fs.Arg(0)
	if cfg.BinPath == "" {
		return usagef("upload: -bin-path is required (the contract program inside %s)", dir)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return usagef("upload: %s is not a directory", dir)
	}
	b, err := contract.LoadDir(dir, cfg)
	if err != nil {
		return err
	}
	c, err := nf.dial(ctx, a)
	if err != nil {
		return err
	}
	defer c.Close()
	bar := &progressBar{w: a.stderr}
	res, err := contract.Upload(ctx, c, b, &contract.UploadOptions{Progress: bar.update, MaxLedgerOffset: *offset})
	bar.done()
	if err != nil {
		return err
	}
	out := struct {
		Bytes     int    `json:"bytes"`
		Ledger    uint64 `json:"ledger"`
		Confirmed bool   `json:"confirmed"`
	}{res.ZipBytes, res.LedgerSeqNo, res.Confirmed}
	return a.emit(out, func(w io.Writer) {
		fmt.Fprintf(w, "uploaded %d bytes; the bootstrap contract installed it in ledger %d (confirmed=%v)\n", out.Bytes, out.Ledger, out.Confirmed)
	})
}

// progressBar draws an upload's progress on one line.
type progressBar struct {
	w     io.Writer
	drawn bool
	last  int
}

func (p *progressBar) update(pr contract.Progress) {
	const width = 30
	if pr.Total <= 0 {
		return
	}
	pct := pr.Sent * 100 / pr.Total
	if p.drawn && pct == p.last && pr.Sent != pr.Total {
		return // redraw only when the bar moves
	}
	p.drawn, p.last = true, pct
	n := pr.Sent * width / pr.Total
	fmt.Fprintf(p.w, "\r[%s%s] %3d%% %d/%d bytes  %s", strings.Repeat("#", n), strings.Repeat(".", width-n), pct, pr.Sent, pr.Total, pr.Phase)
}

func (p *progressBar) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}

func (a *app) input(ctx context.Context, fs *flag.FlagSet, args []string) error {
	nf := addNodeFlags(fs)
	var wait time.Duration
	var count int
	fs.DurationVar(&wait, "wait", 10*time.Second, "how long to wait for outputs")
	fs.IntVar(&count, "outputs", 1, "stop after this many outputs (0: wait the whole -wait)")
	offset := fs.Uint64("max-ledger-offset", contract.DefaultMaxLedgerOffset, "the input must be in a ledger at most this many rounds ahead (the node's contract.max_input_ledger_offset caps it)")
	if err := parse(fs, args, 1, 1); err != nil {
		return err
	}
	if wait <= 0 || count < 0 {
		return usagef("input: -wait must be positive and -outputs not negative")
	}
	data := []byte(fs.Arg(0))
	if fs.Arg(0) == "-" {
		var err error
		if data, err = io.ReadAll(io.LimitReader(a.stdin, 10<<20)); err != nil {
			return fmt.Errorf("reading the input from stdin: %w", err)
		}
	}
	c, err := nf.dial(ctx, a)
	if err != nil {
		return err
	}
	defer c.Close()
	rc, err := c.SubmitInput(ctx, data, &contract.InputOptions{MaxLedgerOffset: *offset})
	if err != nil {
		return err
	}
	type output struct {
		Ledger   uint64 `json:"ledger"`
		Data     string `json:"data"`
		Verified bool   `json:"verified"`
	}
	out := struct {
		InputHash string   `json:"input_hash"`
		Ledger    uint64   `json:"ledger"`
		Outputs   []output `json:"outputs"`
	}{InputHash: fmt.Sprintf("%x", rc.Hash), Ledger: rc.LedgerSeqNo, Outputs: []output{}}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for count == 0 || len(out.Outputs) < count {
		o, err := c.NextOutput(wctx)
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			break
		}
		if err != nil {
			return err
		}
		for _, d := range o.Outputs {
			out.Outputs = append(out.Outputs, output{Ledger: o.LedgerSeqNo, Data: string(d), Verified: o.Verified})
		}
	}
	return a.emit(out, func(w io.Writer) {
		fmt.Fprintf(w, "input %s… included in ledger %d\n", out.InputHash[:12], out.Ledger)
		for _, o := range out.Outputs {
			fmt.Fprintf(w, "output (ledger %d, verified=%v): %s\n", o.Ledger, o.Verified, o.Data)
		}
		if len(out.Outputs) == 0 {
			fmt.Fprintf(w, "no output within %s\n", wait)
		}
	})
}

func (a *app) read(ctx context.Context, fs *flag.FlagSet, args []string) error {
	nf := addNodeFlags(fs)
	if err := parse(fs, args, 1, 1); err != nil {
		return err
	}
	c, err := nf.dial(ctx, a)
	if err != nil {
		return err
	}
	defer c.Close()
	res, err := c.Read(ctx, []byte(fs.Arg(0)))
	if err != nil {
		return err
	}
	return a.emit(struct {
		Request string `json:"request"`
		Answer  string `json:"answer"`
	}{fs.Arg(0), string(res)}, func(w io.Writer) {
		fmt.Fprintf(w, "%s\n", res)
	})
}
