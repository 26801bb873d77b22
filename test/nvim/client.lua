-- Drives the bundled language server from a real Neovim (0.7: vim.lsp.start_client, no vim.lsp.start).
-- Run by test/nvim/run.mjs as: nvim --headless --clean -n -c 'luafile test/nvim/client.lua'
--
-- Environment:
--   EGRESS_LENS_SERVER     the server bundle (dist/server.js), started as `node <server> --stdio`
--   EGRESS_LENS_WORKSPACE  the workspace folder (root_dir)
--   EGRESS_LENS_FILE       the file to open, relative to the workspace
--   EGRESS_LENS_EXPECT     the diagnostics to wait for, as CODE:LINE (1-based), comma-separated
--   EGRESS_LENS_HOVER      where to ask for a hover, LINE:COLUMN (1-based)
--   EGRESS_LENS_FIX        the code, and the title of the code action to apply: CODE:TITLE
--   EGRESS_LENS_DEFINITION where to ask for a definition, LINE:COLUMN (1-based; optional)
--   EGRESS_LENS_RESULT     the JSON file this script writes; the runner asserts on it
--
-- Every wait is vim.wait with a predicate; the timeouts only stop a broken run from hanging.

local env = function(name)
  local v = os.getenv(name)
  if v == nil or v == '' then error('missing environment variable ' .. name) end
  return v
end

local result_path = os.getenv('EGRESS_LENS_RESULT')
if result_path == nil or result_path == '' then
  io.stderr:write('missing environment variable EGRESS_LENS_RESULT\n')
  vim.cmd('cquit 3')
end
local result = { steps = {} }

local function write_result()
  local f = assert(io.open(result_path, 'w'))
  f:write(vim.fn.json_encode(result))
  f:close()
end

local function step(name)
  table.insert(result.steps, name)
end

local function wait_for(what, ms, predicate)
  if not vim.wait(ms, predicate, 10) then error('timed out after ' .. ms .. ' ms waiting for ' .. what) end
end

-- The diagnostics Neovim shows for the buffer, as plain data (1-based lines and columns).
local function snapshot(buf)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(out, {
      line = d.lnum + 1,
      col = d.col + 1,
      code = d.code,
      message = d.message,
      source = d.source,
      severity = d.severity,
    })
  end
  table.sort(out, function(a, b)
    if a.line ~= b.line then return a.line < b.line end
    return tostring(a.code) < tostring(b.code)
  end)
  return out
end

local function key_set(diags)
  local keys = {}
  for _, d in ipairs(diags) do table.insert(keys, tostring(d.code) .. ':' .. d.line) end
  table.sort(keys)
  return table.concat(keys, ',')
end

local function main()
  local server = env('EGRESS_LENS_SERVER')
  local workspace = env('EGRESS_LENS_WORKSPACE')
  local file = workspace .. '/' .. env('EGRESS_LENS_FILE')
  local expect = vim.split(env('EGRESS_LENS_EXPECT'), ',')
  table.sort(expect)
  expect = table.concat(expect, ',')
  local hover_line, hover_col = env('EGRESS_LENS_HOVER'):match('^(%d+):(%d+)$')
  local fix_code, fix_title = env('EGRESS_LENS_FIX'):match('^([^:]+):(.+)$')

  -- Every publishDiagnostics, with its version, before Neovim's own handler stores it.
  local published = {}
  local exited = nil
  local client_id = vim.lsp.start_client({
    name = 'egress-lens',
    cmd = { 'node', server, '--stdio' },
    root_dir = workspace,
    handlers = {
      ['textDocument/publishDiagnostics'] = function(err, params, ctx, config)
        published[params.uri] = { version = params.version, count = #params.diagnostics }
        return vim.lsp.handlers['textDocument/publishDiagnostics'](err, params, ctx, config)
      end,
    },
    on_init = function(_, initialize_result)
      result.server_info = initialize_result.serverInfo or vim.NIL
    end,
    on_exit = function(code, signal)
      exited = { code = code, signal = signal }
    end,
  })
  if not client_id then error('vim.lsp.start_client failed') end
  step('started')

  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(buf)
  vim.lsp.buf_attach_client(buf, client_id)

  wait_for('initialize', 10000, function()
    local c = vim.lsp.get_client_by_id(client_id)
    return exited ~= nil or (c ~= nil and c.initialized == true)
  end)
  if exited then error('the server exited during initialize: ' .. vim.inspect(exited)) end
  local client = vim.lsp.get_client_by_id(client_id)
  result.capabilities = {
    hoverProvider = client.server_capabilities.hoverProvider or false,
    codeActionProvider = client.server_capabilities.codeActionProvider ~= nil,
    textDocumentSync = client.server_capabilities.textDocumentSync,
  }
  step('initialized')

  -- 1. Diagnostics: wait until what Neovim shows is the expected set (the workspace is indexed in the
  -- background, so an early publish may lack cross-file context).
  local ok = vim.wait(15000, function()
    return key_set(snapshot(buf)) == expect
  end, 10)
  result.diagnostics = snapshot(buf)
  result.diagnostics_version = published[uri] and published[uri].version or vim.NIL
  result.buffer_version = vim.lsp.util.buf_versions[buf] or vim.NIL
  if not ok then error('diagnostics never became ' .. expect .. ' (last: ' .. key_set(result.diagnostics) .. ')') end
  step('diagnostics')

  -- 2. Hover. Sent to the client directly so that Neovim does not drop it when the server does not
  -- advertise hoverProvider: the answer (or the error) is recorded either way.
  local hover_params = {
    textDocument = { uri = uri },
    position = { line = tonumber(hover_line) - 1, character = tonumber(hover_col) - 1 },
  }
  local hover, hover_err = client.request_sync('textDocument/hover', hover_params, 5000, buf)
  if hover == nil then
    result.hover = { timeout = tostring(hover_err) }
  else
    result.hover = { result = hover.result or vim.NIL, error = hover.err or vim.NIL }
    if hover.result and hover.result.contents then
      result.hover.lines = vim.lsp.util.convert_input_to_markdown_lines(hover.result.contents)
    end
  end
  step('hover')

  -- 2b. Definition (from a selector) and code lenses, as Neovim's own handlers would receive them.
  local def_at = os.getenv('EGRESS_LENS_DEFINITION')
  if def_at ~= nil and def_at ~= '' then
    local def_line, def_col = def_at:match('^(%d+):(%d+)$')
    local def = client.request_sync('textDocument/definition', {
      textDocument = { uri = uri },
      position = { line = tonumber(def_line) - 1, character = tonumber(def_col) - 1 },
    }, 5000, buf)
    result.definition = {}
    for _, loc in ipairs((def and def.result) or {}) do
      local range = loc.targetSelectionRange or loc.range
      table.insert(result.definition, { uri = loc.targetUri or loc.uri, line = range.start.line + 1, col = range.start.character + 1 })
    end
    local lenses = client.request_sync('textDocument/codeLens', { textDocument = { uri = uri } }, 5000, buf)
    result.code_lenses = {}
    for _, l in ipairs((lenses and lenses.result) or {}) do
      table.insert(result.code_lenses, { line = l.range.start.line + 1, title = l.command and l.command.title or vim.NIL })
    end
    step('definition and code lens')
  end

  -- 3. Code action for the diagnostic, asked for as vim.lsp.buf.code_action() does: the cursor's line,
  -- with the line's diagnostics (as LSP diagnostics, data included) in the context.
  local target = nil
  for _, d in ipairs(result.diagnostics) do
    if d.code == fix_code then target = d end
  end
  if not target then error('no ' .. fix_code .. ' diagnostic to fix') end
  vim.api.nvim_win_set_cursor(0, { target.line, target.col - 1 })
  local params = vim.lsp.util.make_range_params()
  local line_diags = vim.lsp.diagnostic.get_line_diagnostics(buf, target.line - 1)
  local context_diags = {}
  for _, d in ipairs(line_diags) do
    if d.code == fix_code then table.insert(context_diags, d) end
  end
  params.context = { diagnostics = context_diags }
  local responses = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', params, 5000)
  if not responses or not responses[client_id] then error('no answer to textDocument/codeAction') end
  if responses[client_id].err then error('codeAction failed: ' .. vim.inspect(responses[client_id].err)) end
  local actions = responses[client_id].result or {}
  result.code_actions = {}
  local chosen = nil
  for _, a in ipairs(actions) do
    table.insert(result.code_actions, { title = a.title, kind = a.kind or vim.NIL, has_edit = a.edit ~= nil })
    if a.title == fix_title then chosen = a end
  end
  if not chosen then error('no code action titled "' .. fix_title .. '"') end
  if not chosen.edit then error('the code action has no edit') end

  local version_before = vim.lsp.util.buf_versions[buf]
  vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding)
  result.buffer_after_fix = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  step('fix applied')

  -- 4. The buffer changed, Neovim sent didChange, and the server republished for the new version.
  wait_for('diagnostics for the edited buffer', 15000, function()
    local v = vim.lsp.util.buf_versions[buf]
    return v ~= version_before and published[uri] ~= nil and published[uri].version == v
  end)
  result.diagnostics_after_fix = snapshot(buf)
  result.diagnostics_after_fix_version = published[uri].version
  step('diagnostics after fix')

  -- 5. Shut the server down and wait for it to exit.
  vim.lsp.stop_client(client_id)
  wait_for('the server to exit', 5000, function() return exited ~= nil end)
  result.server_exit = exited
  step('stopped')
end

local ok, err = xpcall(main, debug.traceback)
if not ok then result.error = tostring(err) end
local written, write_err = pcall(write_result)
if not written then io.stderr:write('cannot write ' .. result_path .. ': ' .. tostring(write_err) .. '\n') end
if ok and written then
  vim.cmd('qall!')
else
  if not ok then io.stderr:write(tostring(err) .. '\n') end
  vim.cmd('cquit 2')
end
