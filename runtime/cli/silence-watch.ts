// A server that hangs without closing its sockets (stopped, its event loop blocked) answers nothing,
// and fetch alone waits 300 s for headers and forever between body chunks. A live server's event
// stream sends a keep-alive comment every 15 s, so a long silence means it is gone.

/** Aborts its signal once nothing was heard for `ms`; each `heard()` starts the wait again. */
export class SilenceWatch {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(ms: number) {
    this.timer = setTimeout(() => this.controller.abort(new Error(`the server sent nothing for ${ms / 1000} s`)), ms);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  heard(): void {
    this.timer.refresh();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
