/*
 * ladder_html.c — the ladder diagram as one self-contained HTML page: the
 * SVG drawing inline, a details panel that shows every header field of
 * the segment under the pointer (or clicked, or focused with the keyboard:
 * Tab, Enter), and for each summarised band an expanded drawing of its
 * segments that opens when the band is clicked.  CSS and JavaScript are
 * inline; the page fetches nothing, so it works offline and from file://.
 *
 * The segments' details travel as JSON in a <script type="application/json">
 * element, keyed by segment number; the script builds the panel with DOM
 * calls (never innerHTML), so no captured byte can inject markup.  Only
 * segments drawn one by one (in the diagram or in an expanded band) are in
 * it, which bounds the page for very long captures.
 *
 * More views (synack_ladder_write_html_sections: the plots of the same
 * connection, say) follow the diagram, each in a section with a tab; the
 * script shows one at a time (without it, all show, one under another)
 * and puts a time cursor on the sections' charts at the send time of the
 * segment pinned in the diagram.
 */
#include <string.h>

#include "ladder_internal.h"
#include "synack/errors.h"

static const char page_style[] =
    "body{margin:0;font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;color:#111827;background:#f9fafb}"
    "header{padding:12px 20px;background:#fff;border-bottom:1px solid #e5e7eb}"
    "h1{font-size:18px;margin:0 0 4px}.summary{margin:0;color:#4b5563}"
    "main{display:flex;gap:16px;padding:16px 20px;align-items:flex-start}"
    "#diagram{background:#fff;border:1px solid #e5e7eb;overflow:auto;flex:0 0 auto;max-width:70vw}"
    "#details{position:sticky;top:16px;flex:1 1 320px;min-width:300px;background:#fff;"
    "border:1px solid #e5e7eb;padding:12px 16px;max-height:calc(100vh - 40px);overflow:auto}"
    "#details h2{font-size:15px;margin:0 0 8px}#details .hint{color:#6b7280}"
    "#details table{border-collapse:collapse;width:100%}"
    "#details th{text-align:left;font-weight:600;padding:2px 8px 2px 0;vertical-align:top;white-space:nowrap;color:#374151}"
    "#details td{padding:2px 0;font-family:ui-monospace,'DejaVu Sans Mono',Menlo,monospace;font-size:12px;word-break:break-all}"
    "#details pre{font-size:12px;background:#f3f4f6;padding:6px;white-space:pre-wrap;word-break:break-all}"
    ".segment{cursor:pointer}.segment:hover line,.segment.pinned line{stroke-width:3.2}"
    ".segment.pinned text.label{font-weight:bold}.segment:focus{outline:none}.segment:focus line{stroke-width:3.2}"
    ".band{cursor:pointer}.band:hover rect{fill:#d1d5db}"
    "#bands{padding:0 20px 24px}#bands details{background:#fff;border:1px solid #e5e7eb;margin:8px 0;padding:8px 12px}"
    "#bands summary{cursor:pointer;font-weight:600}#bands .band-svg{overflow:auto}"
    "#views{flex:0 1 auto;min-width:0;max-width:70vw}"
    "#view-tabs{display:flex;flex-wrap:wrap;gap:6px;margin:0 0 10px}#view-tabs[hidden]{display:none}"
    "#view-tabs button{font:inherit;font-size:13px;padding:4px 14px;border:1px solid #d1d5db;border-radius:999px;"
    "background:#fff;color:#374151;cursor:pointer}"
    "#view-tabs button[aria-selected=true]{background:#1f2937;border-color:#1f2937;color:#fff}"
    ".view-section{background:#fff;border:1px solid #e5e7eb;padding:12px 16px;margin:0 0 16px;overflow:auto}"
    /* A view not shown keeps its width, so that the page does not reflow between tabs. */
    "#views [hidden]{display:block;visibility:hidden;height:0;min-height:0;margin:0;padding:0;border:0;overflow:hidden}"
    ".view-section h2{font-size:15px;margin:0 0 6px}"
    ".view-section h3{font-size:14px;margin:14px 0 4px}.view-section .note{color:#4b5563;margin:0 0 8px;max-width:960px}"
    ".view-section figure{margin:0 0 12px}svg.plot{display:block;width:960px;max-width:100%;height:auto}";

/* The script: details on hover, pinned on click or Enter; bands open
 * their expanded drawing; tabs switch the views; a pinned segment puts a
 * time cursor on the charts of the other views. */
static const char page_script[] =
    "(function(){\n"
    "'use strict';\n"
    "var data=JSON.parse(document.getElementById('ladder-data').textContent);\n"
    "var body=document.getElementById('detail-body');\n"
    "var hint=document.getElementById('detail-hint');\n"
    "var pinned=null;\n"
    "function row(t,k,v){if(v===null||v===undefined||v==='')return;var tr=document.createElement('tr');"
    "var th=document.createElement('th');th.textContent=k;var td=document.createElement('td');"
    "td.textContent=String(v);tr.appendChild(th);tr.appendChild(td);t.appendChild(tr);}\n"
    "function show(g){var s=data.segments[g.getAttribute('data-n')];if(!s)return;\n"
    " while(body.firstChild)body.removeChild(body.firstChild);\n"
    " var h=document.createElement('h3');h.textContent='#'+s.n+'  '+s.from+' \\u2192 '+s.to;body.appendChild(h);\n"
    " var t=document.createElement('table');\n"
    " row(t,'label',s.label);row(t,'marks',s.marks.join('; '));row(t,'sent',s.sent+' s');\n"
    " row(t,'arrived',s.arrival==='lost'?'never (lost)':s.arrival==='unknown'?'unknown (in flight at the end)':"
    "s.arrived+' s'+(s.arrival==='estimated'?' (estimated)':''));\n"
    " row(t,'flight',s.flight_ms!==null?s.flight_ms+' ms':null);row(t,'dropped by receiver',s.drop);\n"
    " row(t,'flags',s.flags);row(t,'seq',s.seq_abs+' (relative '+s.seq_rel+')');\n"
    " row(t,'ack',s.ack_abs===null?'\\u2013':s.ack_abs+' (relative '+s.ack_rel+')');\n"
    " row(t,'payload',s.len+' bytes');row(t,'next seq',s.next_abs);\n"
    " row(t,'window',s.win+(s.win_bytes!==s.win?' (scaled: '+s.win_bytes+' bytes)':' bytes'));\n"
    " row(t,'options',s.options.length?s.options.join(', '):'none');\n"
    " row(t,'SACK blocks',s.sack.length?s.sack.join(' '):null);\n"
    " row(t,'TCP checksum',s.csum?'good':'bad');row(t,'IP length',s.ip_len);row(t,data.ipv6?'hop limit':'TTL',s.ttl);\n"
    " row(t,'packet in capture',s.packet||null);body.appendChild(t);\n"
    " if(s.len>0){var p=document.createElement('h4');p.textContent='Payload'+(s.preview_len<s.len?"
    "' (first '+s.preview_len+' of '+s.len+' bytes)':'');body.appendChild(p);\n"
    "  var pre=document.createElement('pre');pre.className='hex';pre.textContent=s.hex;body.appendChild(pre);\n"
    "  var pa=document.createElement('pre');pa.className='ascii';pa.textContent=s.ascii;body.appendChild(pa);}\n"
    " hint.hidden=true;}\n"
    "var NS='http://www.w3.org/2000/svg';\n"
    "function cursor(s){var fr=document.querySelectorAll('.view-section rect.frame[data-x-min]');\n"
    " for(var k=0;k<fr.length;k++){var f=fr[k],svg=f.ownerSVGElement;if(!svg)continue;\n"
    "  var c=svg.querySelector('g.cursor');\n"
    "  var x0=parseFloat(f.getAttribute('data-x-min')),x1=parseFloat(f.getAttribute('data-x-max'));\n"
    "  var fx=parseFloat(f.getAttribute('x')),fy=parseFloat(f.getAttribute('y'));\n"
    "  var fw=parseFloat(f.getAttribute('width')),fh=parseFloat(f.getAttribute('height'));\n"
    "  var t=s?parseFloat(s.sent):NaN;\n"
    "  if(!s||!(x1>x0)||!(t>=x0&&t<=x1)){if(c)c.setAttribute('visibility','hidden');continue;}\n"
    "  if(!c){c=document.createElementNS(NS,'g');c.setAttribute('class','cursor');c.setAttribute('pointer-events','none');\n"
    "   var ln=document.createElementNS(NS,'line');ln.setAttribute('stroke','#dc2626');ln.setAttribute('stroke-width','1.5');\n"
    "   ln.setAttribute('stroke-dasharray','5 3');c.appendChild(ln);\n"
    "   var tx=document.createElementNS(NS,'text');tx.setAttribute('fill','#dc2626');tx.setAttribute('font-size','11');\n"
    "   c.appendChild(tx);svg.appendChild(c);}\n"
    "  var x=fx+(t-x0)/(x1-x0)*fw,l=c.querySelector('line'),tt=c.querySelector('text');\n"
    "  l.setAttribute('x1',x);l.setAttribute('x2',x);l.setAttribute('y1',fy);l.setAttribute('y2',fy+fh);\n"
    "  tt.textContent='#'+s.n+' sent '+s.sent+' s';tt.setAttribute('y',fy+12);\n"
    "  var right=x>fx+fw*0.75;tt.setAttribute('x',right?x-4:x+4);tt.setAttribute('text-anchor',right?'end':'start');\n"
    "  c.setAttribute('data-t',s.sent);c.setAttribute('data-n',s.n);c.setAttribute('visibility','visible');}}\n"
    "function pin(g){if(pinned)pinned.classList.remove('pinned');pinned=g;if(g){g.classList.add('pinned');show(g);}\n"
    " cursor(g?data.segments[g.getAttribute('data-n')]:null);}\n"
    "var segs=document.querySelectorAll('g.segment[data-n]');\n"
    "for(var i=0;i<segs.length;i++)(function(g){\n"
    " g.addEventListener('mouseenter',function(){if(!pinned)show(g);});\n"
    " g.addEventListener('focus',function(){show(g);});\n"
    " g.addEventListener('click',function(){pin(g);});\n"
    " g.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){pin(g);e.preventDefault();}});\n"
    "})(segs[i]);\n"
    "document.addEventListener('keydown',function(e){if(e.key==='Escape')pin(null);});\n"
    "var bands=document.querySelectorAll('#diagram g.band');\n"
    "for(var j=0;j<bands.length;j++)(function(b){\n"
    " function open(){var d=document.getElementById('band-'+b.getAttribute('data-band'));"
    "if(d){d.open=true;d.scrollIntoView();}}\n"
    " b.addEventListener('click',open);\n"
    " b.addEventListener('keydown',function(e){if(e.key==='Enter'){open();e.preventDefault();}});\n"
    "})(bands[j]);\n"
    "var tabs=document.querySelectorAll('#view-tabs button[role=tab]');\n"
    "function select(t){for(var k=0;k<tabs.length;k++){var on=tabs[k]===t;\n"
    " tabs[k].setAttribute('aria-selected',on?'true':'false');\n"
    " var v=document.getElementById(tabs[k].getAttribute('aria-controls'));if(v)v.hidden=!on;}}\n"
    "for(var k=0;k<tabs.length;k++)(function(t,k){\n"
    " t.addEventListener('click',function(){select(t);});\n"
    " t.addEventListener('keydown',function(e){var d=e.key==='ArrowRight'?1:e.key==='ArrowLeft'?-1:0;\n"
    "  if(d){var n=tabs[(k+d+tabs.length)%tabs.length];n.focus();select(n);e.preventDefault();}});\n"
    "})(tabs[k],k);\n"
    "if(tabs.length){document.getElementById('view-tabs').hidden=false;select(tabs[0]);}\n"
    "})();\n";

/* A JSON string; '<' is escaped too so that no text can end the script
 * element it sits in. */
static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&')
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void json_segment(FILE *out, const struct synack_ladder *l, const struct synack_ladder_view *v,
                         const struct synack_ladder_segment *s)
{
    int to = 1 - s->from;
    char buf[256], flags[48], hex[SYNACK_LADDER_PREVIEW * 3 + 1], ascii[SYNACK_LADDER_PREVIEW + 1];
    bool first = true;
    bool landed = s->arrival == SYNACK_LADDER_ARRIVED || s->arrival == SYNACK_LADDER_ESTIMATED;
    static const char *const arrival[] = {"measured", "estimated", "lost", "unknown"};

    fprintf(out, "\"%u\":{\"n\":%u,\"from\":", s->number, s->number);
    json_str(out, l->ends[s->from].name);
    fputs(",\"to\":", out);
    json_str(out, l->ends[to].name);
    fputs(",\"label\":", out);
    json_str(out, synack_ladder_label(l, s, v->relative, buf, sizeof buf));
    fprintf(out, ",\"sent\":\"%s\"", ladder__time_text(l, s->sent_at, buf, sizeof buf));
    fprintf(out, ",\"arrived\":\"%s\",\"arrival\":\"%s\"", ladder__time_text(l, s->arrived_at, buf, sizeof buf),
            arrival[s->arrival <= SYNACK_LADDER_UNKNOWN ? s->arrival : SYNACK_LADDER_UNKNOWN]);
    if (landed && s->arrived_at >= s->sent_at)
        fprintf(out, ",\"flight_ms\":%.3f", (double)(s->arrived_at - s->sent_at) / 1e3);
    else
        fputs(",\"flight_ms\":null", out);
    fputs(",\"drop\":", out);
    if (s->drop_reason >= 0)
        json_str(out, synack_drop_description(s->drop_reason));
    else
        fputs("null", out);
    fprintf(out, ",\"flags\":\"%s\",\"seq_abs\":%u,\"seq_rel\":%u", synack_tcp_flags_text(s->flags, flags, sizeof flags),
            s->seq, synack_ladder_seq_shown(l, s->from, s->seq, true));
    if (s->flags & SYNACK_TCP_ACK)
        fprintf(out, ",\"ack_abs\":%u,\"ack_rel\":%u", s->ack, synack_ladder_seq_shown(l, to, s->ack, true));
    else
        fputs(",\"ack_abs\":null,\"ack_rel\":null", out);
    fprintf(out, ",\"len\":%u,\"next_abs\":%u,\"win\":%u,\"win_bytes\":%u,\"ttl\":%u,\"ip_len\":%u,\"csum\":%s",
            s->payload_len, s->seq + ladder__seg_len(s), s->window, s->window_bytes, s->ttl, s->ip_len,
            s->checksum_ok ? "true" : "false");
    fprintf(out, ",\"packet\":%llu", (unsigned long long)s->packet_number);
    fputs(",\"options\":[", out);
    if (s->has_mss) {
        fprintf(out, "\"mss %u\"", s->mss);
        first = false;
    }
    if (s->has_wscale) {
        fprintf(out, "%s\"wscale %u\"", first ? "" : ",", s->wscale);
        first = false;
    }
    if (s->sack_permitted) {
        fprintf(out, "%s\"sackOK\"", first ? "" : ",");
        first = false;
    }
    if (s->has_timestamp) {
        fprintf(out, "%s\"TS val %u ecr %u\"", first ? "" : ",", s->ts_val, s->ts_ecr);
        first = false;
    }
    if (s->sack_count) {
        fprintf(out, "%s\"sack %u\"", first ? "" : ",", s->sack_count);
    }
    fputs("],\"sack\":[", out);
    for (int i = 0; i < s->sack_count; i++)
        fprintf(out, "%s\"%u:%u\"", i ? "," : "", synack_ladder_seq_shown(l, to, s->sack[i][0], v->relative),
                synack_ladder_seq_shown(l, to, s->sack[i][1], v->relative));
    fputs("],\"marks\":[", out);
    first = true;
    for (int bit = 0; bit < SYNACK_LADDER_MARK_COUNT; bit++) {
        if (!(s->marks & (1u << bit)))
            continue;
        if (!first)
            fputc(',', out);
        if (bit == SYNACK_LADDER_MARK_BIT_DUP_ACK) {
            snprintf(buf, sizeof buf, "%s (#%u)", synack_ladder_mark_description(bit), s->dup_ack_number);
            json_str(out, buf);
        } else {
            json_str(out, synack_ladder_mark_description(bit));
        }
        first = false;
    }
    fputs("]", out);
    for (int i = 0; i < s->preview_len; i++) {
        snprintf(hex + 3 * i, 4, "%02x ", s->preview[i]);
        ascii[i] = s->preview[i] >= 0x20 && s->preview[i] < 0x7f ? (char)s->preview[i] : '.';
    }
    hex[s->preview_len ? 3 * s->preview_len - 1 : 0] = '\0';
    ascii[s->preview_len] = '\0';
    fprintf(out, ",\"preview_len\":%u,\"hex\":\"%s\",\"ascii\":", s->preview_len, hex);
    json_str(out, ascii);
    fputs("}", out);
}

/* The view of band b alone, with nothing collapsed. */
static void band_view(const struct synack_ladder *l, const struct synack_ladder_view *v, const struct ladder_band *b,
                      struct synack_ladder_view *out, char *title, size_t len)
{
    (void)l;
    *out = *v;
    out->have_range = false;
    out->first_segment = b->first;
    out->last_segment = b->last;
    out->collapse = 0;
    snprintf(title, len, "Segments #%u–#%u", out->first_segment, out->last_segment);
    out->title = title;
}

/* Segments with a mark (one bit), folded ones included. */
static unsigned long long count_marked(const struct synack_ladder *l, uint16_t mark)
{
    unsigned long long n = 0;

    for (int bit = 0; bit < SYNACK_LADDER_MARK_COUNT; bit++) {
        if (mark & (1u << bit))
            n += ladder__marked_total(l, bit);
    }
    return n;
}

/* Whether band b gets an expanded drawing: not when it holds folded
 * segments (only their counts are known), nor when it or the expansions
 * so far (*total segments) would pass the view's limits. */
static bool expandable(const struct ladder_band *b, const struct synack_ladder_view *v, uint64_t *total)
{
    if (b->folded > 0 || b->count > v->expand_max || (v->expand_total && *total + b->count > v->expand_total))
        return false;
    *total += b->count;
    return true;
}

/* A section id: a letter, then letters, digits, '-' and '_'; not "ladder"
 * (the diagram's tab is "tab-ladder"). */
static bool section_id_ok(const char *id)
{
    if (id == NULL || !((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= 'A' && id[0] <= 'Z')) ||
        strcmp(id, "ladder") == 0)
        return false;
    for (const char *c = id; *c; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' ||
              *c == '_'))
            return false;
    }
    return true;
}

static bool sections_ok(const struct synack_ladder_section *sections, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (!section_id_ok(sections[i].id) || sections[i].title == NULL || sections[i].write == NULL)
            return false;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(sections[i].id, sections[j].id) == 0)
                return false;
        }
    }
    return true;
}

/* The tabs: the diagram's, then one per section; hidden until the script
 * runs (without it every view shows). */
static void write_tabs(const struct synack_ladder_section *sections, size_t count, FILE *out)
{
    fputs("<nav id=\"view-tabs\" role=\"tablist\" aria-label=\"Views\" hidden>\n"
          "<button type=\"button\" role=\"tab\" id=\"tab-ladder\" aria-controls=\"diagram\" "
          "aria-selected=\"true\">Ladder diagram</button>\n",
          out);
    for (size_t i = 0; i < count; i++) {
        fprintf(out, "<button type=\"button\" role=\"tab\" id=\"tab-%s\" aria-controls=\"view-%s\" "
                     "aria-selected=\"false\">",
                sections[i].id, sections[i].id);
        ladder__xml_escape(out, sections[i].title);
        fputs("</button>\n", out);
    }
    fputs("</nav>\n", out);
}

static int write_sections(const struct synack_ladder_section *sections, size_t count, FILE *out)
{
    int rc = 0;

    for (size_t i = 0; i < count && rc >= 0; i++) {
        fprintf(out, "<section id=\"view-%s\" class=\"view-section\" role=\"tabpanel\" aria-labelledby=\"tab-%s\">\n<h2>",
                sections[i].id, sections[i].id);
        ladder__xml_escape(out, sections[i].title);
        fputs("</h2>\n", out);
        rc = sections[i].write(sections[i].ctx, out);
        fputs("</section>\n", out);
    }
    return rc;
}

int synack_ladder_write_html(const struct synack_ladder *l, const struct synack_ladder_view *view, FILE *out)
{
    return synack_ladder_write_html_sections(l, view, NULL, 0, out);
}

int synack_ladder_write_html_sections(const struct synack_ladder *l, const struct synack_ladder_view *view,
                                      const struct synack_ladder_section *sections, size_t count, FILE *out)
{
    struct synack_ladder_view def;
    struct ladder_shown sh;
    char title[256], text[512];
    bool first = true;
    uint64_t expanded = 0;
    int rc;

    if (count > 0 && (sections == NULL || !sections_ok(sections, count)))
        return -SYNACK_EINVAL;
    if (view == NULL) {
        synack_ladder_view_default(&def);
        view = &def;
    }
    if (ladder__view_build(l, view, &sh) < 0)
        return -SYNACK_ENOMEM;
    ladder__title(l, view, title, sizeof title);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          out);
    ladder__xml_escape(out, title);
    fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>", page_style);
    ladder__xml_escape(out, title);
    fprintf(out, "</h1>\n<p class=\"summary\">%llu segments (%zu shown one by one, %llu summarised in %zu bands); "
                 "%llu retransmissions, %llu lost; %s; states %s.</p>\n</header>\n",
            (unsigned long long)l->info.segments, sh.segments, (unsigned long long)(sh.selected - sh.segments),
            sh.band_count,
            count_marked(l, SYNACK_LADDER_RETRANSMISSION), count_marked(l, SYNACK_LADDER_LOST),
            l->info.source == SYNACK_LADDER_FROM_TRACE ? "times measured at both ends"
                                                        : "captured at one point, times estimated",
            l->info.states_inferred ? "inferred from the segments" : "from the engine's trace");
    fputs("<main>\n", out);
    if (count > 0) {
        fputs("<div id=\"views\">\n", out);
        write_tabs(sections, count, out);
    }
    fputs("<div id=\"diagram\">\n", out);
    rc = ladder__svg(l, view, out, true, "");
    fputs("</div>\n", out);
    if (count > 0) {
        int src = write_sections(sections, count, out);
        if (rc >= 0)
            rc = src;
        fputs("</div>\n", out);
    }
    fputs("<aside id=\"details\" aria-live=\"polite\">\n<h2>Segment details</h2>\n"
          "<p id=\"detail-hint\" class=\"hint\">Point at an arrow to see its header fields, options, SACK "
          "blocks, window and payload; click (or Tab and Enter) to keep it here; Escape lets go.</p>\n"
          "<div id=\"detail-body\"></div>\n</aside>\n</main>\n",
          out);

    fputs("<section id=\"bands\">\n", out);
    for (size_t b = 0; b < sh.band_count && rc >= 0; b++) {
        const struct ladder_band *band = &sh.bands[b];
        struct synack_ladder_view bv;
        char btitle[64], prefix[32];
        ladder__band_text(l, band, text, sizeof text);
        fprintf(out, "<details id=\"band-%zu\">\n<summary>Band %zu: ", b, b + 1);
        ladder__xml_escape(out, text);
        fputs("</summary>\n<div class=\"band-svg\">\n", out);
        if (expandable(band, view, &expanded)) {
            band_view(l, view, band, &bv, btitle, sizeof btitle);
            snprintf(prefix, sizeof prefix, "b%zu-", b);
            rc = ladder__svg(l, &bv, out, true, prefix);
        } else if (band->folded > 0) {
            fprintf(out, "<p>Not expandable: %llu of these segments were summarised while reading, to bound "
                         "memory, and only their counts were kept. Draw them from the capture with "
                         "<code>synack trace ladder --segments %u:%u</code> (or <code>--range</code>), which keeps "
                         "the segments selected in full.</p>\n",
                    (unsigned long long)band->folded, band->first, band->last);
        } else if (band->count > view->expand_max) {
            fprintf(out, "<p>Too many segments to draw here (more than %u): select them with a range, "
                         "e.g. <code>--segments %u:%u</code>.</p>\n",
                    view->expand_max, band->first, band->last);
        } else {
            fprintf(out, "<p>Not drawn here: the page draws at most %u segments in all its expansions. Select "
                         "them with a range, e.g. <code>--segments %u:%u</code>.</p>\n",
                    view->expand_total, band->first, band->last);
        }
        fputs("</div>\n</details>\n", out);
    }
    fputs("</section>\n", out);

    fputs("<script type=\"application/json\" id=\"ladder-data\">{\"segments\":{", out);
    for (size_t i = 0; i < sh.item_count; i++) {
        if (sh.items[i].kind != ITEM_SEGMENT)
            continue;
        if (!first)
            fputs(",\n", out);
        json_segment(out, l, view, &l->segs[sh.items[i].index]);
        first = false;
    }
    expanded = 0;
    for (size_t b = 0; b < sh.band_count; b++) {
        const struct ladder_band *band = &sh.bands[b];
        if (!expandable(band, view, &expanded))
            continue;
        for (size_t i = band->seg_first; i < band->seg_end; i++) {
            if (!first)
                fputs(",\n", out);
            json_segment(out, l, view, &l->segs[i]);
            first = false;
        }
    }
    /* IPv6 calls the TTL the hop limit (RFC 8200 §3). */
    fprintf(out, "},\"ipv6\":%s}</script>\n<script>\n%s</script>\n</body>\n</html>\n",
            l->ends[0].ep.addr.family == SYNACK_AF_INET6 ? "true" : "false", page_script);
    ladder__view_free(&sh);
    if (rc < 0)
        return rc;
    return ferror(out) ? -SYNACK_EIO : 0;
}
